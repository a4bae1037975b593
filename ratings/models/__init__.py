"""The models of ratings: the ballot (schemes, codes, terminals, ballots), paper ballots, the results,
the closure certificate and households' evaluations."""

from ratings.models.ballot import (
    Ballot,
    BallotCode,
    BallotEvaluation,
    BallotGrade,
    BallotNomination,
    CodeBatch,
    Criterion,
    Grade,
    PollBookCount,
    PollBookEntry,
    RatingScheme,
    Terminal,
    VoterGroup,
)
from ratings.models.bundle import BundleExport, BundleImport
from ratings.models.closure import CertificateConfirmation, Scrutineer
from ratings.models.evaluations import HouseholdProposal, HouseholdStatusChange
from ratings.models.paper import (
    DoorCount,
    PaperClosure,
    PaperDecision,
    PaperKeying,
    PaperPage,
    PaperPrint,
    PaperSheet,
)
from ratings.models.preparation import PreparationExport, PreparationReceipt
from ratings.models.results import (
    CadreStanding,
    EvaluationCount,
    GradeCount,
    HonorCandidate,
    HonorNomination,
    Objection,
    ResultSnapshot,
)
from ratings.models.speech import SpokenClip

__all__ = [
    "SpokenClip",
    "Ballot",
    "BallotCode",
    "BallotEvaluation",
    "BallotGrade",
    "BallotNomination",
    "BundleExport",
    "BundleImport",
    "CadreStanding",
    "CertificateConfirmation",
    "CodeBatch",
    "Criterion",
    "DoorCount",
    "EvaluationCount",
    "Grade",
    "GradeCount",
    "HonorCandidate",
    "HonorNomination",
    "HouseholdProposal",
    "HouseholdStatusChange",
    "Objection",
    "PaperClosure",
    "PaperDecision",
    "PaperKeying",
    "PaperPage",
    "PaperPrint",
    "PaperSheet",
    "PollBookCount",
    "PreparationExport",
    "PreparationReceipt",
    "PollBookEntry",
    "RatingScheme",
    "ResultSnapshot",
    "Scrutineer",
    "Terminal",
    "VoterGroup",
]
