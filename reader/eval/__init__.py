"""Evaluation: datasets with gold answers, metrics, and a resumable runner that puts every tome
strategy beside the full-context and BM25 baselines (`tome eval`).

`datasets.load_items` reads a set (`facts` builds the planted-facts suite), `runner.evaluate` /
`runner.aevaluate` answer and score it with a `Library` (and grade free text with a
`judge.Judge`), `report.summarise`, `report.differences` and `report.to_markdown` sum it up."""
