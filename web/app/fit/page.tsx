import { Suspense } from "react";
import { FitView } from "../../ui/fit/fit-view";

export default function FitPage() {
  return (
    <Suspense>
      <FitView />
    </Suspense>
  );
}
