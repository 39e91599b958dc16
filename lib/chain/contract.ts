// The one typed way to call a contract: ABIs come `as const` from contracts/out/contracts.ts, so abitype derives every
// function's argument and result types from the ABI itself (viem's model) while ethers encodes, sends and decodes.
// Results are converted to abitype's shapes: structs as objects by field name, integers up to 48 bits as numbers,
// wider ones as bigints, addresses checksummed. Nothing here is `any`; a wrong function name or argument is a type error.
import type { Abi, AbiParametersToPrimitiveTypes, ExtractAbiFunction, ExtractAbiFunctionNames } from "abitype";
import { Interface, getAddress, type BlockTag, type ContractRunner, type InterfaceAbi, type ParamType, type Provider, type Signer, type TransactionResponse } from "ethers";

declare module "abitype" {
  // Addresses and bytes travel as plain strings in this code base (ethers gives and takes them so).
  interface Register {
    addressType: string;
    bytesType: { inputs: string; outputs: string };
  }
}

export type ReadName<A extends Abi> = ExtractAbiFunctionNames<A, "view" | "pure">;
export type WriteName<A extends Abi> = ExtractAbiFunctionNames<A, "nonpayable" | "payable">;
export type Args<A extends Abi, F extends string> = AbiParametersToPrimitiveTypes<ExtractAbiFunction<A, F>["inputs"], "inputs">;
type Outputs<A extends Abi, F extends string> = AbiParametersToPrimitiveTypes<ExtractAbiFunction<A, F>["outputs"], "outputs">;
/** A function's result: its only output, or the tuple of all of them. */
export type Result<A extends Abi, F extends string> = Outputs<A, F> extends readonly [infer Only] ? Only : Outputs<A, F>;

export class TypedContract<const A extends Abi> {
  readonly iface: Interface;

  constructor(
    readonly address: string,
    readonly abi: A,
    readonly runner: ContractRunner,
  ) {
    this.iface = new Interface(abi as unknown as InterfaceAbi);
  }

  /** The same contract through another runner (a provider for reads, a signer for writes). */
  connect(runner: ContractRunner): TypedContract<A> {
    return new TypedContract(this.address, this.abi, runner);
  }

  /** eth_call of a view function, at `blockTag` (default: latest). */
  async read<F extends ReadName<A>>(fn: F, args: Args<A, F>, blockTag?: BlockTag): Promise<Result<A, F>> {
    const fragment = this.iface.getFunction(fn)!;
    const data = this.iface.encodeFunctionData(fragment, args as readonly unknown[]);
    const call = this.runner.call?.bind(this.runner) ?? (this.runner.provider as Provider | null)?.call.bind(this.runner.provider);
    if (!call) throw new Error(`contract ${this.address}: its runner cannot make calls`);
    const raw = await call({ to: this.address, data, blockTag });
    const decoded = this.iface.decodeFunctionResult(fragment, raw);
    const values = fragment.outputs.map((param, i) => plain(param, decoded[i]));
    return (values.length === 1 ? values[0] : values) as Result<A, F>;
  }

  /** Signs and sends a transaction calling `fn` (the runner must be a signer); the caller waits for it. */
  send<F extends WriteName<A>>(fn: F, args: Args<A, F>, value?: bigint): Promise<TransactionResponse> {
    const signer = this.runner as Signer;
    if (typeof signer.sendTransaction !== "function") throw new Error(`contract ${this.address}: its runner cannot sign`);
    return signer.sendTransaction({ to: this.address, data: this.iface.encodeFunctionData(fn, args as readonly unknown[]), value });
  }
}

/** An ethers-decoded value in abitype's shape for `param`. */
function plain(param: ParamType, value: unknown): unknown {
  if (param.isArray()) return [...(value as unknown[])].map((v) => plain(param.arrayChildren, v));
  if (param.isTuple()) {
    const fields = value as unknown[];
    return Object.fromEntries(param.components.map((c, i) => [c.name, plain(c, fields[i])]));
  }
  const type = param.baseType;
  if (type === "address") return getAddress(value as string);
  const bits = /^u?int(\d*)$/.exec(type);
  if (bits) return Number(bits[1] || 256) <= 48 ? Number(value as bigint) : (value as bigint);
  return value; // bool, string, bytes
}
