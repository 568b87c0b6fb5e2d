"""mlmath: the foundational mathematics of machine learning, small, exact and fast.

One module per idea of the article: the activation σ, the prediction ŷ = σ(W·x + b),
the error E, its gradient, and gradient descent.
"""

from mlmath.activation import log_sigmoid, sigmoid, sigmoid_prime
from mlmath.descent import GradientDescentResult, gradient_descent, lipschitz_constant
from mlmath.error import cross_entropy, cross_entropy_from_logits, error_formula, sse
from mlmath.gradient import delta_rule_step, error_gradient, numerical_gradient
from mlmath.prediction import predict, score

__all__ = [
    "GradientDescentResult",
    "cross_entropy",
    "cross_entropy_from_logits",
    "delta_rule_step",
    "error_formula",
    "error_gradient",
    "gradient_descent",
    "lipschitz_constant",
    "log_sigmoid",
    "numerical_gradient",
    "predict",
    "score",
    "sigmoid",
    "sigmoid_prime",
    "sse",
]
