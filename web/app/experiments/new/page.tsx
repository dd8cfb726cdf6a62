import { NewExperimentForm } from "../../../ui/experiments/new-experiment-form";

export default function NewExperimentPage() {
  return <NewExperimentForm />;
}
