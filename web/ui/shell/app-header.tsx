"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { ensureApiKey, getApiKey, keyHint, onApiKeyChange } from "../../lib/api-key";

const LINKS = [
  { href: "/", label: "Experiments", match: (p: string) => p === "/" || p.startsWith("/experiments") },
  { href: "/compare", label: "Compare", match: (p: string) => p.startsWith("/compare") },
  {
    href: "/adapters",
    label: "Adapters",
    match: (p: string) => p.startsWith("/adapter"),
  },
  { href: "/playground", label: "Playground", match: (p: string) => p.startsWith("/playground") },
  { href: "/datasets", label: "Datasets", match: (p: string) => p.startsWith("/datasets") },
  { href: "/fit", label: "Will it fit?", match: (p: string) => p.startsWith("/fit") },
  { href: "/runners", label: "Runners", match: (p: string) => p.startsWith("/runners") },
  { href: "/api-keys", label: "API keys", match: (p: string) => p.startsWith("/api-keys") },
];

export function AppHeader() {
  const pathname = usePathname() ?? "/";
  const [key, setKey] = useState<string | null>(null);
  useEffect(() => {
    void ensureApiKey().then(setKey);
    return onApiKeyChange(() => setKey(getApiKey()));
  }, []);
  return (
    <header className="app-header">
      <Link className="brand" href="/">
        Tunelab
      </Link>
      <nav className="app-nav" aria-label="Main">
        <ul>
          {LINKS.map((link) => (
            <li key={link.href}>
              <Link href={link.href} aria-current={link.match(pathname) ? "page" : undefined}>
                {link.label}
              </Link>
            </li>
          ))}
          <li>
            <a href="/graphql">GraphQL IDE</a>
          </li>
        </ul>
      </nav>
      <span className="key-status">
        {key ? (
          <>
            API key <code>{keyHint(key)}</code>
          </>
        ) : (
          <Link href="/api-keys">No API key: set one</Link>
        )}
      </span>
    </header>
  );
}
