// The private cluster helper lives with the store so the benchmark can start one too.
export { startPrivatePostgres, type PrivatePostgres } from "../../src/store/postgres/private-postgres.ts";
