// Deliberately wrong calls: each line must be a compile-time error (test/generated-surface.test.ts
// type-checks this file; an unused @ts-expect-error is itself an error, so a call that stops being
// caught fails the test). Never run.
import * as torch from "../../src/index.js";

export function wrongCalls(x: torch.Tensor, i: torch.Tensor): unknown[] {
  return [
    // @ts-expect-error a string is not a Tensor
    torch.cumsum("not a tensor", 1),
    // @ts-expect-error dim must be a number
    torch.cumsum(x, "1"),
    // @ts-expect-error a Tensor method's dim must be a number
    x.tril("-1"),
    // @ts-expect-error einsum takes the equation first
    torch.einsum([x, x], "ij,jk->ik"),
    // @ts-expect-error roll needs its shifts
    torch.roll(x),
    // @ts-expect-error scatter's index is a Tensor
    x.scatter(1, [0, 1], x),
    // @ts-expect-error not a dtype
    torch.cumsum(x, 1, { dtype: "float128" }),
    // @ts-expect-error an option that cumsum does not have
    torch.cumsum(x, 1, { keepdim: true }),
    // @ts-expect-error nonzero takes no dim
    torch.nonzero(x, 0, 1),
    // @ts-expect-error linalg.eigh's UPLO is a string
    torch.linalg.eigh(x, 1),
    // @ts-expect-error torch.ops.aten is typed too
    torch.ops.aten.cumsum("not a tensor", {}, 3),
    // @ts-expect-error an overload by name is typed
    torch.ops.aten.add.Tensor(x, 2),
    // @ts-expect-error not an operator
    torch.ops.aten.definitelyNotAnOp(x),
    // @ts-expect-error gather's index must be a Tensor
    torch.gather(x, 1, [[0]]),
    // @ts-expect-error a named result that does not exist
    torch.max(x, 1).value,
    // @ts-expect-error cdist's p is a number
    torch.cdist(x, x, "2"),
    // @ts-expect-error the optional bias of native_layer_norm has no default: it must be given (null for None)
    torch.nativeLayerNorm(x, [4], null),
    i,
  ];
}
