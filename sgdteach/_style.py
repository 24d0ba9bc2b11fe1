"""The look every figure of the package shares, course and grader alike: the Okabe–Ito palette
(distinguishable with the common colour-vision deficiencies) and an opaque background."""

#: Okabe & Ito (2008), "Color Universal Design": eight colours safe for colour-blind readers.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
BACKGROUND = "white"   # the face colour of every figure the package makes
