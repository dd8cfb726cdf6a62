import { registerEnumType } from "type-graphql";

/** Order of the people API's lists (insertion order, by `seq`); cursors work in either. */
export enum ListOrder {
  NEWEST_FIRST = "NEWEST_FIRST",
  OLDEST_FIRST = "OLDEST_FIRST",
}
registerEnumType(ListOrder, { name: "ListOrder" });

/** SQL direction and the cursor comparison for an order. */
export function seqOrder(order: ListOrder | null | undefined): {
  direction: "ASC" | "DESC";
  after: "<" | ">";
} {
  return order === ListOrder.OLDEST_FIRST
    ? { direction: "ASC", after: ">" }
    : { direction: "DESC", after: "<" };
}
