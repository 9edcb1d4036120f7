// The graphql-http audit suite (npm graphql-http, its serverAudits) against a running server:
// `node audit.cjs <url>` prints one JSON line per audit: {id, name, status, reason}.
const { serverAudits } = require("graphql-http");

async function main() {
  const url = process.argv[2];
  for (const audit of serverAudits({ url })) {
    const result = await audit.fn();
    const { id, name, status, reason } = result;
    console.log(JSON.stringify({ id, name, status, reason: reason ?? null }));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
