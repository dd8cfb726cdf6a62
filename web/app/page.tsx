import { ExperimentsView } from "../ui/experiments/experiments-view";

export default function ExperimentsPage() {
  return <ExperimentsView />;
}
