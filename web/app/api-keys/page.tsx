import { ApiKeysView } from "../../ui/api-keys/api-keys-view";

export default function ApiKeysPage() {
  return <ApiKeysView />;
}
