import "reflect-metadata";
import { ArgsType, type ClassType, Field, Int, ObjectType } from "type-graphql";
import { userInputError } from "./errors.js";

/** Relay cursor-connection arguments (forward pagination). */
@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: "How many items to return (1..100, default 20)." })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Return items after this cursor (an edge's cursor)." })
  after?: string | null;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * The `<Name>Connection` and `<Name>Edge` object types for a node type. Call once per node type at module
 * level and use the result as the resolver's return type: `@Query(() => DatasetConnection)`.
 */
export function connectionType<T extends object>(node: ClassType<T>): ClassType<Connection<T>> {
  @ObjectType(`${node.name}Edge`)
  class EdgeType {
    @Field(() => node)
    node!: T;

    @Field()
    cursor!: string;
  }

  @ObjectType(`${node.name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "Items in the whole list, not just this page." })
    totalCount!: number;
  }
  return ConnectionType;
}

/** The key a list is ordered by; a cursor is this key, encoded. */
export type CursorKey = (string | number)[];

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** Decodes a cursor made by encodeCursor; a tampered or foreign cursor is a BAD_USER_INPUT on `after`. */
export function decodeCursor(cursor: string, arity: number): CursorKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => typeof k === "string" || typeof k === "number")
    ) {
      return key;
    }
  } catch {
    // falls through to the error below
  }
  throw userInputError(`"after" is not a cursor this list returned`, { field: "after" });
}

export interface PageRequest {
  /** Items to return. */
  first: number;
  /** Decoded `after` cursor, or null for the first page. */
  after: CursorKey | null;
}

export const defaultPageSize = 20;
export const maxPageSize = 100;

/** Validates first/after. `arity` is how many values the list's cursor key has. */
export function pageRequest(args: ConnectionArgs, arity: number): PageRequest {
  const first = args.first ?? defaultPageSize;
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize) {
    throw userInputError(`"first" must be between 1 and ${maxPageSize}, got ${first}`, { field: "first" });
  }
  return { first, after: args.after == null ? null : decodeCursor(args.after, arity) };
}

/**
 * Builds the connection from `rows`, fetched as `first + 1` items after the cursor (the extra one only
 * says whether there is a next page).
 */
export function toConnection<T>(
  rows: T[],
  page: PageRequest,
  totalCount: number,
  keyOf: (row: T) => CursorKey,
): Connection<T> {
  const edges = rows.slice(0, page.first).map((node) => ({ node, cursor: encodeCursor(keyOf(node)) }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > page.first,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
