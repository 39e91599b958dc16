// Runs before the test files: the contract artifacts must exist before lib/chain is imported.
import { compileContracts } from "../../scripts/compile-contracts";

await compileContracts();
