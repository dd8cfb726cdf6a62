/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CreateDatasetInput = {
  /** The file's text: JSONL lines of {text} or {prompt, completion}, or CSV with that header. */
  content: string;
  /** Share of rows held out for eval, in [0, 0.5]. */
  evalFraction?: number;
  format: DatasetFormat;
  name: string;
  /** Seed of the train/eval split. */
  splitSeed?: number;
};

/** How createDataset's content is encoded. */
export type DatasetFormat =
  | 'CSV'
  | 'JSONL';

export type DatasetKind =
  | 'PROMPT_COMPLETION'
  | 'TEXT';

export type DatasetSplit =
  | 'EVAL'
  | 'TRAIN';

export type DatasetPreviewQueryVariables = Exact<{
  id: string | number;
}>;


export type DatasetPreviewQuery = { dataset: { id: string, name: string, kind: DatasetKind, rowCount: number, rows: Array<{ index: number, line: number, split: DatasetSplit, text: string | null, prompt: string | null, completion: string | null }> } };

export type DatasetsQueryVariables = Exact<{ [key: string]: never; }>;


export type DatasetsQuery = { datasets: { totalCount: number, edges: Array<{ node: { id: string, name: string, kind: DatasetKind, format: DatasetFormat, rowCount: number, trainRowCount: number, evalRowCount: number, sizeBytes: number, contentHash: string, createdAt: string } }> } };

export type CreateDatasetMutationVariables = Exact<{
  input: CreateDatasetInput;
}>;


export type CreateDatasetMutation = { createDataset: { id: string, name: string, rowCount: number, trainRowCount: number, evalRowCount: number } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const DatasetPreviewDocument = new TypedDocumentString(`
    query DatasetPreview($id: ID!) {
  dataset(id: $id) {
    id
    name
    kind
    rowCount
    rows(first: 25) {
      index
      line
      split
      text
      prompt
      completion
    }
  }
}
    `) as unknown as TypedDocumentString<DatasetPreviewQuery, DatasetPreviewQueryVariables>;
export const DatasetsDocument = new TypedDocumentString(`
    query Datasets {
  datasets(first: 100) {
    totalCount
    edges {
      node {
        id
        name
        kind
        format
        rowCount
        trainRowCount
        evalRowCount
        sizeBytes
        contentHash
        createdAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DatasetsQuery, DatasetsQueryVariables>;
export const CreateDatasetDocument = new TypedDocumentString(`
    mutation CreateDataset($input: CreateDatasetInput!) {
  createDataset(input: $input) {
    id
    name
    rowCount
    trainRowCount
    evalRowCount
  }
}
    `) as unknown as TypedDocumentString<CreateDatasetMutation, CreateDatasetMutationVariables>;