"""What the grader process writes, and only it: :mod:`.gradebook` (the CSV and its paths),
:mod:`.feedback` (per-submission Markdown and HTML, for the learner), :mod:`.summary` (the class
overview and its chart), :mod:`.progress` (one line per submission)."""
