"""Meetings, work reports, questions and commitments arrive with their own issue."""
