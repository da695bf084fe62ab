// The mapping the three framework apps pass to <segment-backfill-import>
// (its `mapping` property) for the test's orders CSV (customer, total,
// placed_at): an object, so it must arrive as a property. It is not what
// suggestMapping makes of that file (no user id, no event there), so the
// editor showing it proves the property arrived.
export const PRESET = {
  type: "track",
  rules: [
    { from: "customer", to: "userId" },
    { value: "Order Completed", to: "event" },
    { from: "placed_at", to: "timestamp", as: "timestamp" },
    { from: "total", to: "properties.revenue", as: "number" },
  ],
  rest: "properties",
};
