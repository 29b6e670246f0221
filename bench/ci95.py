"""Mean and 95% confidence half-width (Student t, n - 1 degrees of freedom) of seed sweeps."""
import math

# Two-sided 95% Student t quantiles by degrees of freedom (1..30), else the normal's.
T = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
     2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
     2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def ci(xs):
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, 0.0
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    return m, (T[n - 2] if n - 1 <= 30 else 1.960) * sd / math.sqrt(n)
