import { test } from "node:test";
import assert from "node:assert/strict";
import {
  fSurvival,
  incompleteBeta,
  logGamma,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
} from "../../src/util/special";

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("log-gamma of integers is ln((n−1)!)", () => {
  close(logGamma(5), Math.log(24), 1e-13); // Γ(5) = 4! = 24
  close(logGamma(1), 0, 1e-14);
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13); // Γ(1/2) = √π
});

test("incomplete beta matches the binomial identity", () => {
  // I_x(a, b) = Σ_{j=a}^{a+b−1} C(a+b−1, j) x^j (1−x)^{a+b−1−j}; a=2, b=3, x=½:
  // (C(4,2) + C(4,3) + C(4,4)) / 16 = (6 + 4 + 1)/16 = 0.6875
  close(incompleteBeta(0.5, 2, 3), 0.6875, 1e-14);
  // a=1: I_x(1, b) = 1 − (1−x)^b; x = 0.3, b = 4: 1 − 0.7⁴ = 0.7599
  close(incompleteBeta(0.3, 1, 4), 1 - 0.7 ** 4, 1e-14);
  close(incompleteBeta(0.9, 3, 2) + incompleteBeta(0.1, 2, 3), 1, 1e-14);
});

test("Student t and F distributions against closed forms", () => {
  close(studentTCdf(1, 1), 0.75, 1e-13); // ν = 1 is Cauchy: ½ + atan(1)/π
  close(studentTTwoSidedP(1, 1), 0.5, 1e-13);
  // ν = 2: the quantile is (2p−1)·√(2 / (4p(1−p))); p = 0.975 → 0.95·√(2/0.0975) = 4.302653
  close(studentTQuantile(0.975, 2), 0.95 * Math.sqrt(2 / 0.0975), 1e-9);
  close(studentTQuantile(0.025, 2), -0.95 * Math.sqrt(2 / 0.0975), 1e-9);
  // F(1, ν) = T²: P(F ≥ 1) with (1,1) is P(|T₁| ≥ 1) = ½
  close(fSurvival(1, 1, 1), 0.5, 1e-13);
  // ν = 2: two-sided p = 1 − t/√(t²+2); t = 2 → 1 − 2/√6 = 0.183503
  close(fSurvival(4, 1, 2), 1 - 2 / Math.sqrt(6), 1e-12);
});
