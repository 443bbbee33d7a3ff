// Usage: node run_examples.mjs URL < queries.json
// stdin: {"name": "query text", ...}; stdout: {"name": {"data": ..., "errors": [...] | null}, ...}
import { GraphQLClient } from "graphql-request";

const url = process.argv[2];
if (!url) {
  console.error("usage: node run_examples.mjs URL < queries.json");
  process.exit(2);
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const queries = JSON.parse(input);

// errorPolicy "all": GraphQL errors come back with the data instead of being thrown,
// so an example that errors is compared like any other answer.
const client = new GraphQLClient(url, { errorPolicy: "all" });
const out = {};
for (const [name, query] of Object.entries(queries)) {
  try {
    const res = await client.rawRequest(query);
    out[name] = { data: res.data ?? null, errors: res.errors ?? null };
  } catch (e) {
    out[name] = { transportError: String(e && e.message ? e.message : e) };
  }
}
process.stdout.write(JSON.stringify(out));
