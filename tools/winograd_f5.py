#!/usr/bin/env python3
"""Derives the Winograd F(5×5, 3×3) matrices of Sources/CKernels/winograd_f5.c.

Toom-Cook with the points 0, 1, −1, 2, −2, ½ and ∞ (Lavin & Gray 2016; the
construction of Lavin's wincnn): Aᵀ[i][j] = a_j^i, G[j][k] = a_j^k / Π_{l≠j}
(a_j − a_l), the point at infinity taking the last row and column, and Bᵀ
solved from the 1-D identity Σ_j Aᵀ[i][j] G[j][k] Bᵀ[j][l] = [l = i + k].
Each row j of Bᵀ is scaled to coprime integers (G's row j by the inverse).
The 2-D tile Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is then checked against the direct
3×3 correlation in exact arithmetic, and the matrices printed.

Usage: python3 tools/winograd_f5.py    (needs sympy; never run by the tests or CI)
"""
import random
from functools import reduce

import sympy as sp

M, R = 5, 3
N = M + R - 1
POINTS = [sp.Integer(0), sp.Integer(1), sp.Integer(-1), sp.Integer(2), sp.Integer(-2), sp.Rational(1, 2)]


def matrices():
    at = sp.zeros(M, N)
    for i in range(M):
        for j in range(N - 1):
            at[i, j] = POINTS[j] ** i
    at[M - 1, N - 1] = 1
    g = sp.zeros(N, R)
    for j in range(N - 1):
        f = reduce(lambda a, b: a * b, [POINTS[j] - POINTS[l] for l in range(N - 1) if l != j], sp.Integer(1))
        for k in range(R):
            g[j, k] = POINTS[j] ** k / f
    g[N - 1, R - 1] = 1
    unknowns = sp.Matrix(N, N, lambda j, l: sp.Symbol(f"b{j}_{l}"))
    equations = [sum(at[i, j] * g[j, k] * unknowns[j, l] for j in range(N)) - (1 if l == i + k else 0)
                 for i in range(M) for k in range(R) for l in range(N)]
    solutions = sp.solve(equations, list(unknowns), dict=True)
    assert len(solutions) == 1, "the identity must fix Bᵀ"
    bt = unknowns.subs(solutions[0])
    for j in range(N):
        scale = sp.Integer(sp.ilcm(*[sp.fraction(x)[1] for x in bt.row(j)]))
        divisor = reduce(sp.igcd, [abs(int(scale * x)) for x in bt.row(j) if x != 0])
        scale /= divisor
        bt[j, :] = bt.row(j) * scale
        g[j, :] = g.row(j) / scale
    return at, g, bt


def check(at, g, bt, trials=5):
    for _ in range(trials):
        d = sp.Matrix(N, N, lambda i, j: sp.Rational(random.randint(-9, 9), random.randint(1, 5)))
        k = sp.Matrix(R, R, lambda i, j: sp.Rational(random.randint(-9, 9), random.randint(1, 5)))
        y = at * (g * k * g.T).multiply_elementwise(bt * d * bt.T) * at.T
        direct = sp.Matrix(M, M, lambda oy, ox: sum(k[i, j] * d[oy + i, ox + j] for i in range(R) for j in range(R)))
        assert y == direct, "the tile is not the correlation"


if __name__ == "__main__":
    at, g, bt = matrices()
    check(at, g, bt)
    for name, matrix in (("Bᵀ", bt), ("G", g), ("Aᵀ", at)):
        print(f"{name} =")
        for row in matrix.tolist():
            print("  ", " ".join(str(x) for x in row))
    print("checked: Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the 3×3 correlation")
