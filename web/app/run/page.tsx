import { Suspense } from "react";
import { RunView } from "../../ui/run/run-view";

export default function RunPage() {
  return (
    <Suspense>
      <RunView />
    </Suspense>
  );
}
