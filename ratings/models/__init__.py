"""The models of ratings: the ballot (schemes, codes, terminals, ballots), paper ballots and the results."""

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
from ratings.models.paper import (
    DoorCount,
    PaperClosure,
    PaperDecision,
    PaperKeying,
    PaperPage,
    PaperPrint,
    PaperSheet,
)
from ratings.models.results import (
    CadreStanding,
    GradeCount,
    HonorCandidate,
    HonorNomination,
    Objection,
    ResultSnapshot,
)

__all__ = [
    "Ballot",
    "BallotCode",
    "BallotGrade",
    "BallotNomination",
    "CadreStanding",
    "CodeBatch",
    "Criterion",
    "DoorCount",
    "Grade",
    "GradeCount",
    "HonorCandidate",
    "HonorNomination",
    "Objection",
    "PaperClosure",
    "PaperDecision",
    "PaperKeying",
    "PaperPage",
    "PaperPrint",
    "PaperSheet",
    "PollBookEntry",
    "RatingScheme",
    "ResultSnapshot",
    "Terminal",
    "VoterGroup",
]
