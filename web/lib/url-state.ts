"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";

/**
 * View state kept in the URL's query string, so a view can be shared; set(null) removes a parameter.
 * A change shows at once (before the router commits the new URL), and quick successive changes build on each
 * other rather than on a URL that has not landed yet.
 */
export function useUrlState(): [URLSearchParams, (patch: Record<string, string | null>) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const committed = params.toString();
  const [pending, setPending] = useState<string | null>(null);
  const latest = useRef<string | null>(null);

  useEffect(() => {
    if (latest.current === committed) {
      latest.current = null;
      setPending(null);
    }
  }, [committed]);

  const set = useCallback(
    (patch: Record<string, string | null>) => {
      const next = new URLSearchParams(latest.current ?? committed);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === "") next.delete(k);
        else next.set(k, v);
      }
      const query = next.toString();
      latest.current = query;
      setPending(query);
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [committed, router, pathname],
  );
  return [new URLSearchParams(pending ?? committed), set];
}
