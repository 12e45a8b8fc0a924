// A pickle writer for torch.save: protocol 2 (torch.save's default), using only the opcodes that
// PyTorch's weights_only unpickler reads on 1.13 and 2.x (BINFLOAT only for non-integral numbers,
// which 1.13's does not read). Objects are memoized by identity, so a list or tensor that appears
// twice is written once, and cycles close. Tensors are written by the caller's hook (save.ts).

export class PickleWriteError extends Error {
  override name = "PickleWriteError";
}

/** A Python global (module.name) to write as GLOBAL. */
export class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}
/** A tuple (arrays are written as lists). */
export class Tuple {
  constructor(readonly items: unknown[]) {}
}
/** `fn(*args)`: written as GLOBAL, the argument tuple, REDUCE. */
export class Reduce {
  constructor(
    readonly fn: Global,
    readonly args: unknown[],
    /** BUILD's state, if any (an OrderedDict's attributes). */
    readonly state?: unknown,
  ) {}
}
/** A persistent id (BINPERSID): the tuple that names a storage. */
export class PersistentId {
  constructor(readonly id: Tuple) {}
}

export interface PicklerHooks {
  /** What to write in place of a value the pickler does not know (a tensor): a Reduce, or undefined to refuse it. */
  replace(value: object): unknown;
}

export class Pickler {
  private out: Buffer[] = [];
  private cur = Buffer.allocUnsafe(1 << 16);
  private pos = 0;
  private memo = new Map<object, number>();

  constructor(private readonly hooks: PicklerHooks) {}

  /** The pickle of `value`: PROTO 2, the value, STOP. */
  dump(value: unknown): Buffer {
    this.byte(0x80);
    this.byte(2);
    this.save(value, "obj");
    this.byte(0x2e);
    this.flush();
    return Buffer.concat(this.out);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.flush();
    if (n > this.cur.length) this.cur = Buffer.allocUnsafe(n);
  }
  private flush(): void {
    if (this.pos > 0) this.out.push(Buffer.from(this.cur.subarray(0, this.pos)));
    this.pos = 0;
  }
  private byte(b: number): void {
    this.ensure(1);
    this.cur[this.pos++] = b;
  }
  private bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.cur.set(b, this.pos);
    this.pos += b.length;
  }
  private u32(v: number): void {
    this.ensure(4);
    this.cur.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  private memoize(o: object): void {
    const i = this.memo.size;
    this.memo.set(o, i);
    if (i < 256) {
      this.byte(0x71); // BINPUT
      this.byte(i);
    } else {
      this.byte(0x72); // LONG_BINPUT
      this.u32(i);
    }
  }
  private fromMemo(o: object): boolean {
    const i = this.memo.get(o);
    if (i === undefined) return false;
    if (i < 256) {
      this.byte(0x68); // BINGET
      this.byte(i);
    } else {
      this.byte(0x6a); // LONG_BINGET
      this.u32(i);
    }
    return true;
  }

  private save(v: unknown, path: string): void {
    if (v === null) return this.byte(0x4e);
    switch (typeof v) {
      case "boolean":
        return this.byte(v ? 0x88 : 0x89);
      case "number":
        // safe integers are ints (a Python int stays an int); the rest, 1e300 included, floats
        return Number.isSafeInteger(v) && !Object.is(v, -0) ? this.int(BigInt(v)) : this.float(v);
      case "bigint":
        return this.int(v);
      case "string":
        return this.str(v);
      case "object":
        break;
      default:
        throw new PickleWriteError(`cannot save a ${typeof v} (at ${path})`);
    }
    const o = v as object;
    if (this.fromMemo(o)) return;
    if (o instanceof Global) {
      this.byte(0x63);
      this.bytes(Buffer.from(`${o.module}\n${o.name}\n`, "utf8"));
      return;
    }
    if (o instanceof Tuple) return this.tuple(o.items, path);
    if (o instanceof PersistentId) {
      this.tuple(o.id.items, path);
      return this.byte(0x51); // BINPERSID
    }
    if (o instanceof Reduce) {
      this.save(o.fn, path);
      this.tuple(o.args, path);
      this.byte(0x52); // REDUCE
      this.memoize(o);
      if (o.state !== undefined) {
        this.save(o.state, path);
        this.byte(0x62); // BUILD
      }
      return;
    }
    if (Array.isArray(o)) {
      this.byte(0x5d); // EMPTY_LIST
      this.memoize(o);
      this.batched(o.length, (i) => this.save(o[i], `${path}[${i}]`), 0x65);
      return;
    }
    if (o instanceof Map) {
      // a Map is an OrderedDict, as PyTorch's state dicts are; its own non-enumerable string
      // properties (a loaded state dict's _metadata) are written back as its attributes
      const attrs = Object.getOwnPropertyNames(o);
      this.save(new Global("collections", "OrderedDict"), path);
      this.byte(0x29); // EMPTY_TUPLE
      this.byte(0x52); // REDUCE
      this.memoize(o);
      const items = [...o];
      this.batched(items.length, (i) => {
        this.save(items[i][0], `${path} key`);
        this.save(items[i][1], `${path}.get(${JSON.stringify(String(items[i][0]))})`);
      }, 0x75);
      if (attrs.length > 0) {
        const state: Record<string, unknown> = {};
        for (const a of attrs) state[a] = (o as unknown as Record<string, unknown>)[a];
        this.save(state, path);
        this.byte(0x62); // BUILD
      }
      return;
    }
    if (Object.getPrototypeOf(o) === Object.prototype || Object.getPrototypeOf(o) === null) {
      this.byte(0x7d); // EMPTY_DICT
      this.memoize(o);
      const keys = Object.keys(o);
      this.batched(keys.length, (i) => {
        this.str(keys[i]);
        this.save((o as Record<string, unknown>)[keys[i]], `${path}[${JSON.stringify(keys[i])}]`);
      }, 0x75);
      return;
    }
    if (o instanceof Uint8Array) {
      // protocol 2 has no bytes opcode: Python writes _codecs.encode(latin-1 text, "latin1")
      this.save(new Global("_codecs", "encode"), path);
      this.tuple([Buffer.from(o).toString("latin1"), "latin1"], path);
      this.byte(0x52);
      this.memoize(o);
      return;
    }
    if (o instanceof Set) {
      this.save(new Global("builtins", "set"), path);
      this.tuple([[...o]], path);
      this.byte(0x52);
      this.memoize(o);
      return;
    }
    const r = this.hooks.replace(o);
    if (r === undefined) throw new PickleWriteError(`cannot save a ${o.constructor?.name ?? "object"} (at ${path})`);
    this.save(r, path);
    this.memo.set(o, this.memo.get(r as object)!);
  }

  /** MARK, items, `op` (APPENDS / SETITEMS) in batches of 1000, as Python writes them. */
  private batched(n: number, item: (i: number) => void, op: number): void {
    for (let start = 0; start < n; start += 1000) {
      const end = Math.min(n, start + 1000);
      if (end - start === 1) {
        item(start);
        this.byte(op === 0x65 ? 0x61 : 0x73); // APPEND / SETITEM
        continue;
      }
      this.byte(0x28); // MARK
      for (let i = start; i < end; i++) item(i);
      this.byte(op);
    }
  }

  private tuple(items: unknown[], path: string): void {
    if (items.length === 0) return this.byte(0x29);
    if (items.length <= 3) {
      items.forEach((x, i) => this.save(x, `${path}[${i}]`));
      return this.byte(0x84 + items.length); // TUPLE1..3
    }
    this.byte(0x28);
    items.forEach((x, i) => this.save(x, `${path}[${i}]`));
    this.byte(0x74);
  }

  private int(v: bigint): void {
    if (v >= 0n && v < 256n) {
      this.byte(0x4b);
      this.byte(Number(v));
    } else if (v >= 0n && v < 65536n) {
      this.byte(0x4d);
      this.ensure(2);
      this.cur.writeUInt16LE(Number(v), this.pos);
      this.pos += 2;
    } else if (v >= -(2n ** 31n) && v < 2n ** 31n) {
      this.byte(0x4a);
      this.ensure(4);
      this.cur.writeInt32LE(Number(v), this.pos);
      this.pos += 4;
    } else {
      // LONG1: little-endian two's complement, as few bytes as hold the sign
      const b: number[] = [];
      let x = v;
      for (;;) {
        b.push(Number(x & 0xffn));
        x >>= 8n;
        const signBit = (b[b.length - 1] & 0x80) !== 0;
        if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
      }
      if (b.length > 255) throw new PickleWriteError(`integer ${v} is too large`);
      this.byte(0x8a);
      this.byte(b.length);
      this.bytes(Uint8Array.from(b));
    }
  }

  private float(v: number): void {
    this.byte(0x47);
    this.ensure(8);
    this.cur.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  private str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.byte(0x58); // BINUNICODE
    this.u32(b.length);
    this.bytes(b);
  }
}
