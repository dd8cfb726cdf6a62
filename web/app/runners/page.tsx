import { RunnersView } from "../../ui/runners/runners-view";

export default function RunnersPage() {
  return <RunnersView />;
}
