// Apollo Client 3 (its /core entry, no React) against a running server, as a frontend would
// use it: `node scenarios.cjs <scenario> '<config JSON>'` prints one JSON line per step, for
// tests/ops/test_apollo_client.py to assert on. Nothing here asserts: it only observes.
const { createHash } = require("node:crypto");
const { format } = require("node:util");
const {
  ApolloClient,
  HttpLink,
  InMemoryCache,
  gql,
  split,
} = require("@apollo/client/core");
const { createPersistedQueryLink } = require("@apollo/client/link/persisted-queries");
const { GraphQLWsLink } = require("@apollo/client/link/subscriptions");
const { relayStylePagination, getMainDefinition } = require("@apollo/client/utilities");
const { loadDevMessages, loadErrorMessages } = require("@apollo/client/dev");
const { createClient } = require("graphql-ws");
const WebSocket = require("ws");

// Apollo's warnings in full ("Cache data may be lost ..."), not as links to its site.
loadDevMessages();
loadErrorMessages();
// Every warning and error Apollo prints, reported by the scenarios that care.
const printed = [];
console.warn = (...args) => printed.push(format(...args));
console.error = console.warn;

const emit = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** fetch that records what each request carried and what its answer said. */
function recordingFetch(requests) {
  return async (uri, options) => {
    const url = new URL(uri);
    const body = options.body ? JSON.parse(options.body) : null;
    const extensions = body ? body.extensions : JSON.parse(url.searchParams.get("extensions"));
    const response = await fetch(uri, options);
    const answer = await response.clone().json();
    requests.push({
      method: options.method,
      operation: body ? body.operationName : url.searchParams.get("operationName"),
      hasQuery: body ? "query" in body : url.searchParams.has("query"),
      hash: extensions?.persistedQuery?.sha256Hash ?? null,
      status: response.status,
      codes: (answer.errors ?? []).map((error) => error.extensions?.code),
    });
    return response;
  };
}

function httpLink(config, requests, token, headers = {}) {
  if (token) headers = { ...headers, Authorization: `Bearer ${token}` };
  return new HttpLink({ uri: config.url, fetch: recordingFetch(requests), headers });
}

/** Keeps every value `observable` gives; `until` waits (5 s at most) for one to match. */
function record(observable) {
  const values = [];
  const errors = [];
  const subscription = observable.subscribe({
    next: (value) => values.push(value),
    error: (error) => errors.push(String(error)),
  });
  const until = async (matches, what, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!values.some(matches)) {
      if (errors.length || Date.now() > deadline) {
        throw new Error(`no ${what} in ${timeoutMs} ms: ${JSON.stringify({ values, errors })}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { values, errors, until, stop: () => subscription.unsubscribe() };
}

// What Apollo Client 4 and urql send; Apollo Client 3 sends */* (and gets application/json).
const GRAPHQL_RESPONSE = "application/graphql-response+json, application/json;q=0.9";
const PERSISTED_LINKS = {
  post: {},
  get: { useGETForHashedQueries: true },
  strict: { accept: GRAPHQL_RESPONSE },
};

/** Automatic persisted queries: hash first, the query only when the server asks for it.
 * `config.steps`: [client, kind, query]; each new client name is a page load of an app, its
 * link one of PERSISTED_LINKS. */
async function persisted(config) {
  const clients = {};
  for (const [name, kind, text] of config.steps) {
    if (!clients[name]) {
      const { accept, ...options } = PERSISTED_LINKS[kind];
      const requests = [];
      const link = createPersistedQueryLink({ sha256, ...options }).concat(
        httpLink(config, requests, null, accept ? { accept } : {}),
      );
      clients[name] = { client: new ApolloClient({ link, cache: new InMemoryCache() }), requests };
    }
    const { client, requests } = clients[name];
    const before = requests.length;
    const { data } = await client.query({ query: gql(text) });
    emit({ data, requests: requests.slice(before) });
  }
}

const ENTRY = (countsId) => gql`
  query Watched($id: ID!) {
    entry(id: $id) { id title counts { ${countsId ? "id" : ""} resonanceCount shareCount } }
  }
`;
const COUNTS = (countsId) => gql`
  subscription Live($entryId: ID!) {
    entryCounts(entryId: $entryId) { entry { id counts { ${countsId ? "id" : ""} resonanceCount } } }
  }
`;
const RESONATE = gql`
  mutation Resonate($entryId: ID!) {
    resonate(entryId: $entryId) { id viewerHasResonated }
  }
`;

/** A watched entry follows its live counts through the cache, with no code of the app's. */
async function liveCounts(config) {
  const requests = [];
  const ws = new GraphQLWsLink(
    createClient({
      url: config.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${config.watcher}` },
    }),
  );
  const isSubscription = ({ query }) => {
    const definition = getMainDefinition(query);
    return definition.kind === "OperationDefinition" && definition.operation === "subscription";
  };
  const client = new ApolloClient({
    link: split(isSubscription, ws, httpLink(config, requests, config.watcher)),
    cache: new InMemoryCache(),
  });
  // Another user, in another app (its own client and cache).
  const other = new ApolloClient({
    link: httpLink(config, [], config.other),
    cache: new InMemoryCache(),
  });
  const countsId = config.countsId ?? true;
  const variables = { id: config.entryId };
  const countOf = (result) => result.data?.entry?.counts.resonanceCount;

  const watched = record(client.watchQuery({ query: ENTRY(countsId), variables }));
  await watched.until((result) => countOf(result) !== undefined, "first result");
  const initial = countOf(watched.values[0]);
  const events = record(
    client.subscribe({ query: COUNTS(countsId), variables: { entryId: config.entryId } }),
  );
  await events.until(() => true, "first event");
  await other.mutate({ mutation: RESONATE, variables: { entryId: config.entryId } });
  await watched.until((result) => countOf(result) === initial + 1, "new count");
  // Long enough for a refetch, had the cache found the entry incomplete, to be sent.
  await new Promise((resolve) => setTimeout(resolve, 300));
  emit({
    watched: watched.values.map(countOf),
    events: events.values.map((event) => event.data.entryCounts.entry.counts.resonanceCount),
    queries: requests.filter((request) => request.operation === "Watched").length,
    printed,
  });
  watched.stop();
  events.stop();
  client.stop();
  other.stop();
  await ws.client.dispose();
}

const ENTRIES = gql`
  query Entries($filter: EntryFilter, $first: Int, $after: String, $last: Int, $before: String) {
    entries(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id title } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;
const CREATE = gql`
  mutation Create($input: CreateEntryInput!) {
    createEntry(input: $input) { id }
  }
`;

/** relayStylePagination: pages forward to the end, then a "newer entries" button. */
async function newerEntries(config) {
  const client = new ApolloClient({
    link: httpLink(config, [], config.author),
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { entries: relayStylePagination(["filter"]) } } },
    }),
  });
  const filter = { authorId: config.authorId };
  const query = client.watchQuery({ query: ENTRIES, variables: { filter, first: config.pageSize } });
  const list = record(query);
  await list.until((result) => result.data, "first page");
  const current = () => query.getCurrentResult().data.entries;
  const show = (step) => {
    const { edges, pageInfo } = current();
    emit({ step, ids: edges.map((edge) => edge.node.id), pageInfo, printed });
  };
  show("first page");
  // Forward to the end (a list that never ends stops after ten pages).
  for (let page = 0; page < 10 && current().pageInfo.hasNextPage; page++) {
    await query.fetchMore({ variables: { after: current().pageInfo.endCursor } });
    show("older");
  }
  for (let n = 1; n <= config.newCount; n++) {
    await client.mutate({ mutation: CREATE, variables: { input: { content: `newer ${n}` } } });
  }
  // The button, pressed until there is nothing newer (at most twice what it should take).
  for (let press = 0; press < 2 * Math.ceil(config.newCount / config.pageSize); press++) {
    const before = current().pageInfo.startCursor;
    await query.fetchMore({ variables: { last: config.pageSize, before } });
    show("newer");
    if (!current().pageInfo.hasPreviousPage) break;
  }
  list.stop();
  client.stop();
}

const SCENARIOS = { persisted, "live-counts": liveCounts, "newer-entries": newerEntries };

SCENARIOS[process.argv[2]](JSON.parse(process.argv[3])).catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n${JSON.stringify(printed)}\n`);
  process.exit(1);
});
