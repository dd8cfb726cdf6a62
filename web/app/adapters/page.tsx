import { Suspense } from "react";
import { AdaptersView } from "../../ui/adapters/adapters-view";

export default function AdaptersPage() {
  return (
    <Suspense>
      <AdaptersView />
    </Suspense>
  );
}
