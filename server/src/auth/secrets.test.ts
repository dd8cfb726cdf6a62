import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { checkRegistrationToken, generateSecret, hashSecret, scopeAllows, secretMatches } from "./secrets.js";

test("secrets are prefixed, unique and 256-bit", () => {
  const a = generateSecret("tlk");
  const b = generateSecret("tlk");
  assert.match(a, /^tlk_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
});

test("hash is sha256 hex and matches only its own secret", () => {
  const s = generateSecret("tlr");
  assert.equal(hashSecret(s), createHash("sha256").update(s).digest("hex"));
  assert.ok(secretMatches(s, hashSecret(s)));
  assert.ok(!secretMatches(`${s}x`, hashSecret(s)));
  assert.ok(!secretMatches(s, "abcd"));
});

test("read keys cannot write; read-write keys can do both", () => {
  assert.ok(scopeAllows("read", "read"));
  assert.ok(!scopeAllows("read", "read-write"));
  assert.ok(scopeAllows("read-write", "read"));
  assert.ok(scopeAllows("read-write", "read-write"));
  assert.ok(!scopeAllows("read-write", "admin"));
  assert.ok(scopeAllows("admin", "read-write"));
  assert.ok(scopeAllows("admin", "admin"));
});

test("registration tokens: ok before expiry, expired at expiry, used once", () => {
  const expiresAt = new Date("2026-01-01T00:01:00Z");
  assert.equal(checkRegistrationToken({ expiresAt, usedAt: null }, new Date("2026-01-01T00:00:59Z")), "ok");
  assert.equal(checkRegistrationToken({ expiresAt, usedAt: null }, expiresAt), "expired");
  assert.equal(checkRegistrationToken({ expiresAt, usedAt: new Date(0) }, new Date(0)), "used");
});
