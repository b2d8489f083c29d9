"""The import-cost attribution reads `python -X importtime` output correctly."""

from __future__ import annotations

from classifier_bench.import_cost import package_import_us

# Children come before their parent, indented deeper (the real format, shortened).
LOG = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |       jmespath.lexer
import time:       200 |        300 |     jmespath
import time:        50 |         50 |       aws_lambda_powertools.shared.version
import time:       400 |        750 |     aws_lambda_powertools.logging.logger
import time:       300 |       1050 |   aws_lambda_powertools
import time:        20 |       1070 | aws_lambda_powertools.logging
import time:       900 |        900 | numpy
import time:        30 |         30 |   aws_lambda_powertools.metrics
import time:        70 |        100 | image_classifier.metrics
"""


def test_outermost_imports_of_a_package_are_summed_once():
    totals = package_import_us(LOG, ["aws_lambda_powertools", "numpy", "jmespath"])
    # 1070 for the first tree (its nested powertools imports are not counted again), plus
    # 30 for metrics imported later from a module of another package.
    assert totals == {"aws_lambda_powertools": 1100, "numpy": 900, "jmespath": 300}


def test_a_package_never_imported_costs_nothing():
    assert package_import_us(LOG, ["tensorflow"]) == {"tensorflow": 0}
