"""An LLM judge for free-text answers (`tome eval ... --judge-url URL --judge-model NAME`): each
LiteraryQA answer is graded 1-5 against its references with LiteraryQA's own protocol.

The protocol is the one in SapienzaNLP/LiteraryQA, literaryqa/prometheus.py (its "references"
context, the one that needs no book summary): Prometheus absolute grading, i.e. prometheus-eval's
ABS_SYSTEM_PROMPT and ABSOLUTE_PROMPT, the reference answers joined by newlines as the "score 5"
answer, LiteraryQA's instruction and rubric put through SCORE_RUBRIC_TEMPLATE, temperature 0,
1024 tokens, seed 42. The Prometheus prompts (prometheus-eval, Apache-2.0) are kept word for word;
LiteraryQA's instruction and rubric are restated in tome's words (see below). Two differences:
the prompt goes as chat messages to an OpenAI-compatible server (the server applies the judge
model's chat template, where LiteraryQA formats a Mistral prompt itself), and vLLM's
repetition_penalty 1.03 is not sent, since other servers refuse unknown parameters. A reply
without a score is not asked again (at temperature 0 it would come back the same): the row
records the failure and has no score.

The judge is its own client, separate from the model that answers, and only exists when a URL is
given: the embedded answering model never grades itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

import openai

from reader.core.errors import ModelError
from reader.eval.items import EvalItem

JUDGED_DATASETS = ("literaryqa",)
MAX_TOKENS = 1024
SEED = 42
FEEDBACK_CHARS = 1000

ABS_SYSTEM_PROMPT = (
    "You are a fair judge assistant tasked with providing clear, objective feedback based on "
    "specific criteria, ensuring each assessment reflects the absolute standards set for "
    "performance."
)
ABSOLUTE_PROMPT = """###Task Description:
An instruction (might include an Input inside it), a response to evaluate, a reference answer that gets a score of 5, and a score rubric representing a evaluation criteria are given.
1. Write a detailed feedback that assess the quality of the response strictly based on the given score rubric, not evaluating in general.
2. After writing a feedback, write a score that is an integer between 1 and 5. You should refer to the score rubric.
3. The output format should look as follows: "(write a feedback for criteria) [RESULT] (an integer number between 1 and 5)"
4. Please do not generate any other opening, closing, and explanations.

###The instruction to evaluate:
{instruction}

###Response to evaluate:
{response}

###Reference Answer (Score 5):
{reference_answer}

###Score Rubrics:
{rubric}

###Feedback: """  # noqa: E501
SCORE_RUBRIC_TEMPLATE = """[{criteria}]
Score 1: {score1_description}
Score 2: {score2_description}
Score 3: {score3_description}
Score 4: {score4_description}
Score 5: {score5_description}"""
# LiteraryQA's instruction and five-level rubric, in tome's own words: the originals are under
# CC BY-NC-SA, which this MIT project does not take in verbatim. The levels and what each one
# requires are LiteraryQA's; so scores follow its protocol, though not its exact wording.
INSTRUCTION = (
    "You are an expert in narrative analysis, judging candidate answers to questions about "
    "books. The question about the story {title} is:\nQuestion:\n{question}"
)
RUBRIC = {
    "criteria": "How acceptable is the candidate answer when compared with the reference answer?",
    "score1_description": "The candidate answer is entirely wrong.",
    "score2_description": "The candidate answer does not answer the question, though it holds "
    "some information related to the reference answer.",
    "score3_description": "The candidate answer is partly right but has errors, leaves out key "
    "information or adds substantial extra information.",
    "score4_description": "The candidate answer is right but adds small details that the "
    "reference cannot confirm.",
    "score5_description": "The candidate answer matches a reference answer exactly or "
    "paraphrases one without changing its meaning.",
}
# prometheus-eval's parser: "[RESULT] 4", and the looser forms judges also write ("Score: 4").
_RESULT = re.compile(r"\[RESULT\]\s*[(\[]?\s*(\d+)", re.IGNORECASE)
_LOOSE = re.compile(
    r"(?:\[SCORE\]|score:?|result:?|\[result\]:?|score\s+of)\s*[(\[\s]*(\d+)"
    r"(?:[)\]\s]|$|/\s*5|\s*out\s*of\s*5)",
    re.IGNORECASE,
)


class JudgeError(ModelError):
    """The judge's server failed: the run stops like it does when the answering model fails."""


@dataclass(frozen=True)
class Verdict:
    score: int | None  # 1-5, None when the reply holds no score
    feedback: str  # the judge's reply, cut to FEEDBACK_CHARS


def rubric() -> str:
    return SCORE_RUBRIC_TEMPLATE.format(**RUBRIC)


def judge_messages(item: EvalItem, answer: str) -> list[dict[str, str]]:
    instruction = INSTRUCTION.format(title=item.title or item.document.stem, question=item.question)
    content = ABSOLUTE_PROMPT.format(
        instruction=instruction,
        response=answer,
        reference_answer="\n".join(item.references).strip(),
        rubric=rubric(),
    )
    return [
        {"role": "system", "content": ABS_SYSTEM_PROMPT},
        {"role": "user", "content": content},
    ]


def parse_score(reply: str) -> int | None:
    """The score of a judge's reply: the last "[RESULT] n", else the first looser "Score: n";
    None when there is none or it is not 1-5."""
    explicit = _RESULT.findall(reply)
    found = explicit[-1] if explicit else None
    if found is None:
        loose = _LOOSE.search(reply)
        found = loose.group(1) if loose else None
    if found is None or not 1 <= int(found) <= 5:
        return None
    return int(found)


class Judge:
    """Grades answers through an OpenAI-compatible server; the client opens on first use, on
    the event loop that grades."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout: float = 300.0,
        max_retries: int = 2,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.api_key = api_key or "not-needed"
        self.timeout = timeout
        self.max_retries = max_retries  # the client's retries of a failed connection or a 5xx
        self._client: openai.AsyncOpenAI | None = None

    def judges(self, item: EvalItem) -> bool:
        return item.kind == "free" and item.dataset in JUDGED_DATASETS

    async def grade(self, item: EvalItem, answer: str) -> Verdict:
        if self._client is None:
            self._client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self.api_key,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=judge_messages(item, answer),  # type: ignore[arg-type]
                temperature=0.0,
                max_tokens=MAX_TOKENS,
                seed=SEED,
            )
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc
        reply = (response.choices[0].message.content or "") if response.choices else ""
        return Verdict(parse_score(reply), reply.strip()[:FEEDBACK_CHARS])

    def _error(self, exc: Exception) -> JudgeError:
        where = f"the judge at {self.base_url}"
        if isinstance(exc, openai.APITimeoutError):
            return JudgeError(f"{where} did not answer within {self.timeout:g} s; use a faster one")
        if isinstance(exc, openai.APIConnectionError):
            return JudgeError(f"cannot reach {where}; start it or fix --judge-url")
        status = getattr(exc, "status_code", None)
        if status == 401:
            return JudgeError(f"{where} rejected the API key (401); pass --judge-api-key")
        if status == 404:
            return JudgeError(f"{where} has no model {self.model!r} (404); fix --judge-model")
        return JudgeError(f"{where} failed ({status or type(exc).__name__}); check the server")

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
