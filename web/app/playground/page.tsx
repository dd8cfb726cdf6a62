import { Suspense } from "react";
import { PlaygroundView } from "../../ui/playground/playground-view";

export default function PlaygroundPage() {
  return (
    <Suspense>
      <PlaygroundView />
    </Suspense>
  );
}
