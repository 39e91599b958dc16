// Typed binding of the Reputation contract (HIDRA's DRS): outcome counts and the recent average credit per node.
import { Contract, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import { ReputationArtifact } from "./artifacts";
import { deployed } from "./tx";

export type ReputationRecord = { confirmed: number; timedOut: number; failedAfterMigration: number; evictions: number; rac: number; racAt: number };

export class Reputation {
  private readonly contract: Contract;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new Contract(address, ReputationArtifact.abi, runner);
  }

  static async deploy(signer: Signer, devices: string): Promise<{ reputation: Reputation; receipt: TransactionReceipt }> {
    const receipt = await deployed("Reputation", ReputationArtifact, signer, [devices]);
    return { reputation: new Reputation(receipt.contractAddress!, signer), receipt };
  }

  /** Records of `nodes`; RAC as a number 0..10 (neutral 5 before any outcome). */
  async records(nodes: string[], blockTag?: number): Promise<Map<string, ReputationRecord>> {
    const raw = await Promise.all(nodes.map((n) => this.contract.getFunction("recordOf")(n, { blockTag })));
    return new Map(nodes.map((n, i) => {
      const r = raw[i];
      return [n, {
        confirmed: Number(r.confirmed), timedOut: Number(r.timedOut), failedAfterMigration: Number(r.failedAfterMigration),
        evictions: Number(r.evictions), rac: Number(r.racAt) === 0 ? 5 : Number(r.rac) / 1e6, racAt: Number(r.racAt),
      }];
    }));
  }
}
