"""Internals of the typing tool (:mod:`surveytools.typing_tool`): the LDA classifier and stepwise search
(:mod:`.lda`), reading and coding answers (:mod:`.scoring`), the Excel and SQL exports (:mod:`.exports`)."""
