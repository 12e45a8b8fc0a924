// A restricted unpickler: Python's pickle opcodes that build data (numbers, strings, bytes, lists,
// tuples, dicts, sets, memo references), and none that import or call anything on their own.
// GLOBAL, REDUCE, NEWOBJ, BUILD and BINPERSID go through the caller's hooks, which allow a fixed
// list of names (PyTorch's weights_only=True unpickler, torch/_weights_only_unpickler.py, does the
// same). Nothing here runs code from the file; every length is checked against the bytes left.
//
// Python values become: None -> null, bool -> boolean, int -> number (bigint beyond 2^53),
// float -> number, str -> string, bytes/bytearray -> Uint8Array, list and tuple -> Array,
// dict -> Map (any key type, insertion order kept), set/frozenset -> Set.

export class PickleError extends Error {
  override name = "PickleError";
}

/** A dotted global a GLOBAL opcode named, after the caller's allowlist accepted it. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
  toString(): string {
    return this.fullName;
  }
}

export interface UnpicklerHooks {
  /** Resolves a GLOBAL (or STACK_GLOBAL); throws to refuse it. */
  findClass(module: string, name: string): unknown;
  /** REDUCE: `callable(*args)`. */
  reduce(callable: unknown, args: unknown[]): unknown;
  /** NEWOBJ: `cls.__new__(cls, *args)`. */
  newObj?(cls: unknown, args: unknown[]): unknown;
  /** BUILD: applies `state` to `obj` (returns nothing; throws to refuse). */
  build?(obj: unknown, state: unknown): void;
  /** BINPERSID: the object a persistent id names. */
  persistentLoad?(pid: unknown): unknown;
}

const MARK = Symbol("pickle mark");
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Unpickles one object starting at `start`; returns it and the offset just past its STOP. */
export function unpickle(data: Uint8Array, hooks: UnpicklerHooks, start = 0): { value: unknown; end: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = start;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();

  const need = (n: number, what: string): void => {
    if (pos + n > data.length) throw new PickleError(`truncated pickle: ${what} needs ${n} bytes at offset ${pos}, ${data.length - pos} left`);
  };
  const u8 = (): number => {
    need(1, "an argument");
    return data[pos++];
  };
  const u16 = (): number => {
    need(2, "an argument");
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4, "an argument");
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8, "an argument");
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${v} is out of range`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n, "a string or bytes value");
    const b = data.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const utf8 = (n: number): string => {
    const b = bytes(n);
    try {
      return decoder.decode(b);
    } catch {
      throw new PickleError(`a string at offset ${pos - n} is not valid UTF-8`);
    }
  };
  const line = (): string => {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0 || nl - pos > 4096) throw new PickleError(`truncated pickle: a text argument at offset ${pos} has no end of line`);
    const s = Buffer.from(data.subarray(pos, nl)).toString("latin1");
    pos = nl + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) {
      throw new PickleError(`pickle stack underflow at offset ${pos - 1}`);
    }
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) {
      throw new PickleError(`pickle stack underflow at offset ${pos - 1}`);
    }
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError(`pickle opcode at offset ${pos - 1} needs a MARK and there is none`);
    return stack.splice(m);
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) throw new PickleError(`memo entry ${i} is read before it is written (offset ${pos})`);
    return memo.get(i);
  };
  const asMap = (x: unknown, op: string): Map<unknown, unknown> => {
    if (!(x instanceof Map)) throw new PickleError(`${op} on a ${describe(x)}, not a dict (offset ${pos - 1})`);
    return x;
  };
  const asList = (x: unknown, op: string): unknown[] => {
    if (!Array.isArray(x)) throw new PickleError(`${op} on a ${describe(x)}, not a list (offset ${pos - 1})`);
    return x;
  };
  const setItem = (d: Map<unknown, unknown>, k: unknown, v: unknown): void => {
    if (!isHashable(k)) throw new PickleError(`unhashable dict key of type ${describe(k)} (offset ${pos - 1})`);
    d.set(k, v);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
  };

  for (;;) {
    if (pos >= data.length) throw new PickleError(`truncated pickle: no STOP opcode before the end (${data.length} bytes)`);
    const op = data[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) throw new PickleError(`unsupported pickle protocol ${v}`);
        break;
      }
      case 0x95: // FRAME (protocol 4): a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (marks.length > 0) throw new PickleError("pickle ended with an open MARK");
        if (stack.length !== 1) throw new PickleError(`pickle ended with ${stack.length} values on its stack, expected 1`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: { // BININT
        need(4, "BININT");
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      }
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(long(bytes(u32())));
        break;
      case 0x47: { // BINFLOAT (big-endian double)
        need(8, "BINFLOAT");
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(u64()));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str: bytes)
        stack.push(bytes(u8()).slice());
        break;
      case 0x54: { // BINSTRING
        need(4, "BINSTRING");
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0) throw new PickleError("BINSTRING with a negative length");
        stack.push(bytes(n).slice());
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()).slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: { // APPEND
        const v = pop();
        asList(top(), "APPEND").push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const l = asList(top(), "APPENDS");
        for (const v of items) l.push(v);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) throw new PickleError("DICT with an odd number of items");
        const d = new Map();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItem(asMap(top(), "SETITEM"), k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) throw new PickleError("SETITEMS with an odd number of items");
        const d = asMap(top(), "SETITEMS");
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) throw new PickleError(`ADDITEMS on a ${describe(s)}, not a set`);
        for (const v of items) {
          if (!isHashable(v)) throw new PickleError(`unhashable set item of type ${describe(v)}`);
          s.add(v);
        }
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x63: { // GLOBAL
        const module = line();
        const name = line();
        stack.push(hooks.findClass(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") throw new PickleError("STACK_GLOBAL needs two strings");
        stack.push(hooks.findClass(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!Array.isArray(args)) throw new PickleError(`REDUCE with arguments of type ${describe(args)}, not a tuple`);
        stack.push(hooks.reduce(fn, args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!Array.isArray(args)) throw new PickleError(`NEWOBJ with arguments of type ${describe(args)}, not a tuple`);
        if (!hooks.newObj) throw new PickleError(`NEWOBJ of ${String(cls)} is not allowed`);
        stack.push(hooks.newObj(cls, args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (!hooks.build) throw new PickleError(`BUILD of a ${describe(obj)} is not allowed`);
        hooks.build(obj, state);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!hooks.persistentLoad) throw new PickleError("a persistent id (BINPERSID) where none is expected");
        stack.push(hooks.persistentLoad(pid));
        break;
      }
      default:
        throw new PickleError(`unsupported pickle opcode ${opName(op)} at offset ${pos - 1} (only data opcodes are read)`);
    }
  }
}

// Python's names for the opcodes a hostile or foreign pickle may use and we refuse.
const REFUSED: Record<number, string> = {
  0x69: "INST", 0x6f: "OBJ", 0x92: "NEWOBJ_EX", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x50: "PERSID",
  0x49: "INT", 0x4c: "LONG", 0x46: "FLOAT", 0x53: "STRING", 0x56: "UNICODE", 0x67: "GET", 0x70: "PUT",
  0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
};
function opName(op: number): string {
  const hex = `0x${op.toString(16).padStart(2, "0")}`;
  return REFUSED[op] ? `${REFUSED[op]} (${hex})` : hex;
}

function isHashable(k: unknown): boolean {
  return k === null || typeof k !== "object" || k instanceof PyGlobal || (Array.isArray(k) && k.every(isHashable));
}

/** A short name of a value's kind, for errors. */
export function describe(x: unknown): string {
  if (x === null) return "None";
  if (Array.isArray(x)) return "list/tuple";
  if (x instanceof Map) return "dict";
  if (x instanceof Set) return "set";
  if (x instanceof Uint8Array) return "bytes";
  if (x instanceof PyGlobal) return x.fullName;
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}
