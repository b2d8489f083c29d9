"""Know your data before training: unreadable files, duplicates, conflicting labels, suspect
labels, tiny images and class imbalance, found from the files and the pretrained embeddings.

`run.audit` gives the findings (`document.AuditDocument`, written as audit.json) and what
training needs from them: which rows are exact copies, and the groups a split must not cut.
"""
