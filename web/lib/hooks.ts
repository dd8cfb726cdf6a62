"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import { onApiKeyChange } from "./api-key";
import { ApiError, request } from "./client";
import type { TypedDocumentString } from "./gql/graphql";

export interface QueryState<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  refetch: () => Promise<void>;
}

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError([{ message: error instanceof Error ? error.message : String(error) }]);
}

/** Runs a query when its variables change (compared as JSON) or the API key changes; skip with null. */
export function useQuery<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables | null,
): QueryState<TResult> {
  const [data, setData] = useState<TResult>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(variables !== null);
  const key = variables === null ? null : JSON.stringify(variables);
  const generation = useRef(0);

  const run = useCallback(async () => {
    if (key === null) return;
    const mine = ++generation.current;
    setLoading(true);
    try {
      const result = await (request as (d: unknown, v: unknown) => Promise<TResult>)(
        document,
        JSON.parse(key),
      );
      if (mine !== generation.current) return;
      setData(result);
      setError(undefined);
    } catch (e) {
      if (mine !== generation.current) return;
      setError(asApiError(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [document, key]);

  useEffect(() => {
    void run();
    return onApiKeyChange(() => void run());
  }, [run]);

  return { data, error, loading, refetch: run };
}

/** A mutation's call with its pending flag and last error. */
export function useMutation<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  const mutate = useCallback(
    // variables, or a function that prepares them (e.g. uploads files first: lib/uploads.ts) whose failure
    // is shown like the mutation's own
    async (variables: TVariables | (() => Promise<TVariables>)): Promise<TResult | undefined> => {
      setPending(true);
      setError(undefined);
      try {
        const resolved =
          typeof variables === "function" ? await (variables as () => Promise<TVariables>)() : variables;
        return await (request as (d: unknown, v: unknown) => Promise<TResult>)(document, resolved);
      } catch (e) {
        setError(asApiError(e));
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [document],
  );
  return { mutate, pending, error, clearError: () => setError(undefined) };
}

/** A value that follows `value` after `ms` without changes. */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}
