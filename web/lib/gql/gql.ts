/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query DatasetPreview($id: ID!) {\n    dataset(id: $id) {\n      id\n      name\n      kind\n      rowCount\n      rows(first: 25) { index line split text prompt completion }\n    }\n  }\n": typeof types.DatasetPreviewDocument,
    "\n  query Datasets {\n    datasets(first: 100) {\n      totalCount\n      edges {\n        node { id name kind format rowCount trainRowCount evalRowCount sizeBytes contentHash createdAt }\n      }\n    }\n  }\n": typeof types.DatasetsDocument,
    "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) { id name rowCount trainRowCount evalRowCount }\n  }\n": typeof types.CreateDatasetDocument,
};
const documents: Documents = {
    "\n  query DatasetPreview($id: ID!) {\n    dataset(id: $id) {\n      id\n      name\n      kind\n      rowCount\n      rows(first: 25) { index line split text prompt completion }\n    }\n  }\n": types.DatasetPreviewDocument,
    "\n  query Datasets {\n    datasets(first: 100) {\n      totalCount\n      edges {\n        node { id name kind format rowCount trainRowCount evalRowCount sizeBytes contentHash createdAt }\n      }\n    }\n  }\n": types.DatasetsDocument,
    "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) { id name rowCount trainRowCount evalRowCount }\n  }\n": types.CreateDatasetDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DatasetPreview($id: ID!) {\n    dataset(id: $id) {\n      id\n      name\n      kind\n      rowCount\n      rows(first: 25) { index line split text prompt completion }\n    }\n  }\n"): typeof import('./graphql').DatasetPreviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Datasets {\n    datasets(first: 100) {\n      totalCount\n      edges {\n        node { id name kind format rowCount trainRowCount evalRowCount sizeBytes contentHash createdAt }\n      }\n    }\n  }\n"): typeof import('./graphql').DatasetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) { id name rowCount trainRowCount evalRowCount }\n  }\n"): typeof import('./graphql').CreateDatasetDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
