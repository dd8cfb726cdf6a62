import { Suspense } from "react";
import { CompareView } from "../../ui/compare/compare-view";

export default function ComparePage() {
  return (
    <Suspense>
      <CompareView />
    </Suspense>
  );
}
