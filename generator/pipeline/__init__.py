"""The composition root: `render()` prepares (every refusal before any synthesis) and then produces (plan, synthesize, master, write).
"""
