// What the coverage report (scripts/coverage.mjs) and its test (test/coverage.test.ts) share: which
// PyTorch namespaces are counted, where each lives in tstorch, how a Python name is camelCased, and
// which names are left out on purpose (with the reason). Plain Node, no dependencies.

/**
 * The namespaces counted: PyTorch's dotted name, and the path of the tstorch object that should hold
 * the camelCased names ("Tensor.prototype" for the methods of torch.Tensor).
 */
export const NAMESPACES = [
  { py: "torch", ts: [], what: "functions" },
  { py: "torch.Tensor", ts: ["Tensor", "prototype"], what: "methods" },
  { py: "torch.nn", ts: ["nn"], what: "classes (modules, Parameter)" },
  { py: "torch.nn.functional", ts: ["nn", "functional"], what: "functions" },
  { py: "torch.nn.init", ts: ["nn", "init"], what: "functions" },
  { py: "torch.nn.utils", ts: ["nn", "utils"], what: "functions" },
  { py: "torch.nn.utils.rnn", ts: ["nn", "utils", "rnn"], what: "functions and classes" },
  { py: "torch.nn.utils.parametrize", ts: ["nn", "utils", "parametrize"], what: "functions and classes" },
  { py: "torch.nn.utils.parametrizations", ts: ["nn", "utils", "parametrizations"], what: "functions" },
  { py: "torch.nn.utils.fusion", ts: ["nn", "utils", "fusion"], what: "functions" },
  { py: "torch.optim", ts: ["optim"], what: "classes" },
  { py: "torch.optim.lr_scheduler", ts: ["optim", "lrScheduler"], what: "classes" },
  { py: "torch.optim.swa_utils", ts: ["optim", "swaUtils"], what: "classes and functions" },
  { py: "torch.autograd", ts: ["autograd"], what: "functions and classes" },
  { py: "torch.autograd.functional", ts: ["autograd", "functional"], what: "functions" },
];

/** PyTorch's snake_case name in tstorch's spelling: `pack_padded_sequence` → `packPaddedSequence`, `kaiming_uniform_` → `kaimingUniform_`. */
export function camel(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** The tstorch object for a namespace (undefined when tstorch has no such namespace yet). */
export function resolve(torch, path) {
  let o = torch;
  for (const k of path) {
    if (o === undefined || o === null) return undefined;
    o = o[k];
  }
  return o;
}

/** Whether tstorch has PyTorch's `name` in `obj` (camelCased, or under PyTorch's own spelling). */
export function has(obj, name) {
  if (obj === undefined || obj === null) return false;
  for (const n of new Set([camel(name), name])) {
    if (n in obj && obj[n] !== undefined) return true;
  }
  return false;
}

/**
 * Names left out on purpose, each rule with its reason. `ns` limits a rule to some namespaces
 * (default: all); `since` to PyTorch versions from that major on; `test` is matched against PyTorch's name.
 */
export const EXCLUSIONS = [
  {
    reason: "quantized tensors and modules: tstorch has no quantized dtypes (issue 20 allows leaving them out)",
    test: (n) => /quantiz|^q_|qscheme|int_repr|^fake_quant|^fbgemm|_per_tensor_|_per_channel_|^q?per_channel|^is_quantized$/.test(n),
  },
  {
    reason: "sparse-layout specific (COO/CSR/BSR tensors; tstorch's tensors are strided; torch.sparse.* stays under torch.sparse)",
    ns: ["torch", "torch.Tensor", "torch.nn.functional"],
    test: (n) => /sparse|coalesce|crow_indices|col_indices|^ccol_indices$|^row_indices$|^hspmm$|^smm$|^sspaddmm$|_nnz$|^to_dense$|^values$|^indices$|^sparse_dim$|^dense_dim$/.test(n),
  },
  {
    reason: "MKL-DNN / oneDNN layout conversions (an internal CPU layout, not part of the tensor API tstorch offers)",
    test: (n) => /mkldnn/.test(n),
  },
  {
    reason: "Python's object model: storage objects, pickling (torch.save/load; tstorch saves safetensors), NumPy, per-element Python callables, Tensor subclassing, __torch_function__ overrides, Python type helpers",
    ns: ["torch", "torch.Tensor", "torch.nn.functional", "torch.autograd"],
    test: (n) =>
      [
        "storage", "untyped_storage", "storage_type", "share_memory_", "is_shared", "numpy", "apply_", "map_", "map2_",
        "as_subclass", "module_load", "new", "typename", "is_storage", "set_default_tensor_type", "has_torch_function",
        "has_torch_function_unary", "has_torch_function_variadic", "handle_torch_function", "is_tensor_like",
        "boolean_dispatch", "classproperty", "get_file_path", "prepare_multiprocessing_environment", "load", "save",
      ].includes(n),
  },
  {
    reason: "TorchScript and torch.compile machinery (IR parsing, futures, symbolic shapes, graph capture): Python tracing, not tensor API",
    ns: ["torch", "torch.Tensor"],
    test: (n) =>
      /^sym_/.test(n) ||
      [
        "compile", "export", "cond", "while_loop", "is_compiling", "unify_type_list", "import_ir_module",
        "import_ir_module_from_buffer", "merge_type_from_type_comment", "parse_ir", "parse_schema", "parse_type_comment",
        "wait", "fork", "vitals_enabled", "set_vital", "read_vitals", "autocast_decrement_nesting", "autocast_increment_nesting",
      ].includes(n),
  },
  {
    reason: "not API: loop variables that torch/__init__.py leaves in the namespace",
    ns: ["torch"],
    test: (n) => n === "obj" || n === "candidate",
  },
  {
    reason: "named tensors (a prototype feature; Dimname arguments cannot be passed from JS, see docs/operators.md)",
    ns: ["torch", "torch.Tensor"],
    test: (n) => ["rename", "rename_", "refine_names", "align_to", "align_as", "has_names", "align_tensors"].includes(n),
  },
  {
    reason: "device backends tstorch is not built for (XPU, IPU, MTIA, HPU, MPS, Vulkan, XLA)",
    ns: ["torch", "torch.Tensor"],
    test: (n) => /^(is_)?(xpu|ipu|mtia|hpu|mps|vulkan|xla|ort|maia)(_available)?$/.test(n),
  },
  {
    reason: "removed from PyTorch: these only raise an error that points to torch.linalg (torch.solve, torch.eig, torch.lstsq, torch.matrix_rank)",
    ns: ["torch", "torch.Tensor"],
    test: (n) => ["solve", "eig", "lstsq", "matrix_rank", "symeig"].includes(n),
  },
  {
    reason: "deprecated aliases without the trailing underscore (torch.nn.init.normal → normal_)",
    ns: ["torch.nn.init"],
    test: (n) => !n.endsWith("_"),
    unless: (n) => n === "calculate_gain",
  },
  {
    reason: "autocast switches of device backends tstorch is not built for (IPU, XLA; PyTorch 2.x)",
    ns: ["torch"],
    test: (n) => /^(is|set|get)_autocast_(ipu|xla)_(enabled|dtype)$/.test(n),
  },
  {
    reason: "legacy sparse products (spmm, dsmm, hsmm, saddmm take a sparse COO matrix; tstorch's tensors are strided)",
    ns: ["torch"],
    test: (n) => ["spmm", "dsmm", "hsmm", "saddmm"].includes(n),
  },
  {
    reason: "NumPy bridge: JS has no NumPy arrays (torch.tensor, fromTypedArray and frombuffer take typed arrays)",
    ns: ["torch"],
    test: (n) => n === "from_numpy",
  },
  {
    reason: "legacy autograd API: torch.autograd.variable (only raises, pointing to torch.tensor) and NestedIOFunction (the pre-0.4 instance-method Function with nested inputs; autograd.Function is the API)",
    ns: ["torch.autograd"],
    test: (n) => n === "variable" || n === "NestedIOFunction",
  },
  {
    reason: "deprecated aliases: clip_grad_norm (→ clip_grad_norm_), Variable (a Tensor since 0.4)",
    ns: ["torch.nn.utils", "torch.autograd"],
    test: (n) => n === "clip_grad_norm" || n === "Variable",
  },
  {
    reason: "internal helpers that happen to be public: factory_kwargs (keyword plumbing of module constructors), assert_int_or_pair (an argument check), Container (deprecated since 0.4)",
    ns: ["torch.nn", "torch.nn.functional"],
    test: (n) => ["factory_kwargs", "assert_int_or_pair", "Container"].includes(n),
  },
  {
    reason: "float8 scaled GEMMs (PyTorch 2.9+): their scaling-recipe and swizzle enums describe float8 tensors, and tstorch has no float8 dtypes",
    ns: ["torch.nn.functional"],
    test: (n) => n === "scaled_mm" || n === "scaled_grouped_mm",
  },
  {
    reason: "removed in PyTorch 2.x: torch.cholesky and torch.qr (and their Tensor methods) only raise there, pointing to torch.linalg.cholesky / torch.linalg.qr (counted, and covered, on 1.13)",
    ns: ["torch", "torch.Tensor"],
    since: 2,
    test: (n) => n === "cholesky" || n === "qr",
  },
  {
    reason: "DataLoader thread workers' generator: torch.thread_safe_generator returns the thread-local generator of a PyTorch 2.x DataLoader worker running as a Python thread (worker_method='thread'), None elsewhere; tstorch's loaders have no Python-thread workers",
    ns: ["torch"],
    test: (n) => n === "thread_safe_generator",
  },
  {
    reason: "CUDA caching-allocator streams: Tensor.record_stream(stream) tells the allocator a torch.cuda.Stream uses the memory, and tstorch exposes no CUDA streams (its CUDA work runs on libtorch's current stream)",
    ns: ["torch.Tensor"],
    test: (n) => n === "record_stream",
  },
  {
    reason: "removed from PyTorch: Tensor.reinforce only raises (\"reinforce() was removed. Use torch.distributions instead\")",
    ns: ["torch.Tensor"],
    test: (n) => n === "reinforce",
  },
  {
    reason: "a submodule, not a function: torch.nn.utils.stateless holds functional_call, which PyTorch deprecated for torch.func.functional_call",
    ns: ["torch.nn.utils"],
    test: (n) => n === "stateless",
  },
];

/**
 * The reason `name` of namespace `ns` is left out, or null when it is counted. `pytorch` (its version
 * string) applies the rules that hold from a major version on (`since`); without it they do not apply.
 */
export function exclusionOf(ns, name, pytorch) {
  const major = pytorch === undefined ? 0 : Number(pytorch.split(".")[0]);
  for (const r of EXCLUSIONS) {
    if (r.ns !== undefined && !r.ns.includes(ns)) continue;
    if (r.since !== undefined && major < r.since) continue;
    if (r.test(name) && !(r.unless?.(name) ?? false)) return r.reason;
  }
  return null;
}

/** The recorded file of covered names for a libtorch version ("1.13.0" → docs/coverage-covered-1.13.json). */
export function recordedFile(libtorchVersion) {
  const [a, b] = libtorchVersion.split(".");
  return `docs/coverage-covered-${a}.${b}.json`;
}
