import { Suspense } from "react";
import { DatasetsView } from "../../ui/datasets/datasets-view";

export default function DatasetsPage() {
  return (
    <Suspense>
      <DatasetsView />
    </Suspense>
  );
}
