import { Suspense } from "react";
import { AdapterView } from "../../ui/adapters/adapter-view";

export default function AdapterPage() {
  return (
    <Suspense>
      <AdapterView />
    </Suspense>
  );
}
