"use client";
import Link from "next/link";
import { useEffect, useState } from "react";
import { ApiError, request } from "../../lib/client";
import { graphql } from "../../lib/gql";
import type { AdapterFilter } from "../../lib/gql/graphql";
import { useQuery } from "../../lib/hooks";
import { useUrlState } from "../../lib/url-state";
import { ErrorMessage } from "../common/error-message";
import { AdapterFilters, type AdapterFilterValue } from "./adapter-filters";
import { type AdapterRow, AdaptersTable } from "./adapters-table";
import { ImportForm } from "./import-form";
import { SelectionBar } from "./selection-bar";

const PAGE = 20;

const AdaptersDoc = graphql(`
  query Adapters($filter: AdapterFilter, $first: Int, $after: String) {
    adapters(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id method methodConfig source createdAt importedBy note trainableParams sizeBytes evalLoss forgettingDelta
          baseModel { id name }
          run { id name experiment { id name } }
        }
      }
    }
  }
`);

interface Page {
  rows: AdapterRow[];
  hasNextPage: boolean;
  endCursor: string | null | undefined;
}

export function AdaptersView() {
  const [params, setParams] = useUrlState();
  const value: AdapterFilterValue = {
    baseModel: params.get("baseModel") ?? "",
    method: params.get("method") ?? "",
    experiment: params.get("experiment") ?? "",
  };
  const filter: AdapterFilter = {
    baseModelId: value.baseModel || undefined,
    method: value.method || undefined,
    experimentId: value.experiment || undefined,
  };
  const filterKey = JSON.stringify(filter);
  const first = useQuery(AdaptersDoc, { filter, first: PAGE });
  // Pages after the first, fetched by "Show more" with the last cursor; a new filter starts over.
  const [more, setMore] = useState<{ key: string; pages: Page[] }>({ key: filterKey, pages: [] });
  const [moreError, setMoreError] = useState<ApiError>();
  const [loadingMore, setLoadingMore] = useState(false);
  // Ticked adapters stay ticked across filters and pages (a selection can gather several filters' rows).
  const [selected, setSelected] = useState<ReadonlyMap<string, AdapterRow>>(new Map());
  useEffect(() => {
    setMore({ key: filterKey, pages: [] });
    setMoreError(undefined);
  }, [filterKey]);

  const connection = first.data?.adapters;
  const pages: Page[] = connection
    ? [
        {
          rows: connection.edges.map((e) => e.node),
          hasNextPage: connection.pageInfo.hasNextPage,
          endCursor: connection.pageInfo.endCursor,
        },
        ...(more.key === filterKey ? more.pages : []),
      ]
    : [];
  const rows = pages.flatMap((p) => p.rows);
  const last = pages.at(-1);

  async function showMore() {
    if (!last?.endCursor) return;
    setLoadingMore(true);
    try {
      const next = (await request(AdaptersDoc, { filter, first: PAGE, after: last.endCursor })).adapters;
      const page = {
        rows: next.edges.map((e) => e.node),
        hasNextPage: next.pageInfo.hasNextPage,
        endCursor: next.pageInfo.endCursor,
      };
      setMore((m) => (m.key === filterKey ? { key: m.key, pages: [...m.pages, page] } : m));
      setMoreError(undefined);
    } catch (e) {
      setMoreError(e instanceof ApiError ? e : new ApiError([{ message: String(e) }]));
    } finally {
      setLoadingMore(false);
    }
  }

  function toggle(id: string) {
    const row = rows.find((r) => r.id === id);
    setSelected((current) => {
      const next = new Map(current);
      if (next.has(id)) next.delete(id);
      else if (row) next.set(id, row);
      return next;
    });
  }

  const filtered = Boolean(filter.baseModelId || filter.method || filter.experimentId);
  return (
    <>
      <h1>Adapters</h1>
      <p className="muted">
        PEFT adapters for the base models registered here: trained by an experiment's runs or imported. Open
        one for its files, config and provenance, or to download it.
      </p>
      <ImportForm />
      <h2>All adapters</h2>
      <AdapterFilters value={value} onChange={(patch) => setParams(patch)} />
      <ErrorMessage error={first.error} context="Could not load adapters" />
      {first.loading && !connection ? <p aria-live="polite">Loading…</p> : null}
      {connection && rows.length === 0 ? (
        <div className="empty">
          {filtered ? (
            <>
              No adapter matches these filters.{" "}
              <button
                type="button"
                className="secondary"
                onClick={() => setParams({ baseModel: null, method: null, experiment: null })}
              >
                Clear the filters
              </button>
            </>
          ) : (
            <>
              No adapters yet: a LoRA, QLoRA, prefix or adapter run of an{" "}
              <Link href="/experiments/new">experiment</Link> stores one when it succeeds, or import a PEFT
              folder above.
            </>
          )}
        </div>
      ) : null}
      {rows.length > 0 ? (
        <>
          <p className="muted" data-testid="adapter-count">
            {rows.length} of {connection?.totalCount} adapters
          </p>
          <SelectionBar selected={[...selected.values()]} onClear={() => setSelected(new Map())} />
          <AdaptersTable adapters={rows} selected={new Set(selected.keys())} onToggle={toggle} />
          <ErrorMessage error={moreError} context="Could not load more" />
          {last?.hasNextPage ? (
            <button
              type="button"
              className="secondary"
              disabled={loadingMore}
              onClick={() => void showMore()}
            >
              {loadingMore ? "Loading…" : `Show ${PAGE} more`}
            </button>
          ) : null}
        </>
      ) : null}
    </>
  );
}
