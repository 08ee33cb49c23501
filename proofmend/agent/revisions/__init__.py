"""Work against a base revision: ``repair --since`` (:mod:`.since`), ``equiv`` (:mod:`.equiv`), the changes report (:mod:`.changereport`)."""
