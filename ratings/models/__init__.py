"""The models of ratings: the ballot (schemes, codes, terminals, ballots) and its results."""

from ratings.models.ballot import (
    Ballot,
    BallotCode,
    BallotGrade,
    BallotNomination,
    CodeBatch,
    Criterion,
    Grade,
    PollBookEntry,
    RatingScheme,
    Terminal,
    VoterGroup,
)
from ratings.models.results import HonorCandidate, HonorNomination, Objection, ResultSnapshot

__all__ = [
    "Ballot",
    "BallotCode",
    "BallotGrade",
    "BallotNomination",
    "CodeBatch",
    "Criterion",
    "Grade",
    "HonorCandidate",
    "HonorNomination",
    "Objection",
    "PollBookEntry",
    "RatingScheme",
    "ResultSnapshot",
    "Terminal",
    "VoterGroup",
]
