"""Write the model files of tests/data/models/ with surveytools 0.1.0 as it was before the unified model-file
header (commit 8e33725): a factor model, a k-means segmentation on factor scores (which embeds the factor model)
and a typing tool, each with the predictions it gave, so tests/test_estimator.py can check that files written
by earlier versions still load and predict the same.

Run from the repository root at that commit: ``python3 tests/data/models/make_legacy_models.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[2]), str(HERE.parents[1])]

from _typing_data import make_survey  # noqa: E402
from synthetic import make_segmented_survey  # noqa: E402

from surveytools.factor.model import FactorModel  # noqa: E402
from surveytools.segment import Segmenter  # noqa: E402
from surveytools.typing_tool import TypingTool  # noqa: E402

survey, _ = make_segmented_survey(n=240, k=3, seed=4)
fm = FactorModel(n_factors=3, rotation="varimax", n_iter=0).fit(survey)
fm.save(HERE / "legacy_factor_model.json")
fm.transform(survey).to_csv(HERE / "legacy_factor_scores.csv", float_format="%.17g")

seg = Segmenter(k=3, basis="factors", bootstrap=0, factor_options={"n_factors": 3, "n_iter": 0}).fit(survey)
seg.save(HERE / "legacy_segmenter.json")
seg.predict(survey).to_csv(HERE / "legacy_segmenter_predictions.csv")

tsurvey, tseg = make_survey(300, seed=3)
tool = TypingTool(max_items=4, n_folds=3).fit(tsurvey, tseg)
tool.save(HERE / "legacy_typing_tool.json")
tool.score(tsurvey).frame.to_csv(HERE / "legacy_typing_tool_predictions.csv", float_format="%.17g")
