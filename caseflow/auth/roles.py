"""The roles of spec §5.1 and their Chinese names."""

OFFICER = "officer"
LEGAL_REVIEWER = "legal_reviewer"
HEAD = "head"
PRINCIPAL_HEAD = "principal_head"
ARCHIVIST = "archivist"
ADMIN = "admin"

ROLE_LABELS = {
    OFFICER: "执法人员",
    LEGAL_REVIEWER: "法制审核人员",
    HEAD: "负责人",
    PRINCIPAL_HEAD: "主要负责人",
    ARCHIVIST: "档案管理员",
    ADMIN: "系统管理员",
}

ALL_ROLES = tuple(ROLE_LABELS)

# A principal head (主要负责人) is also a head (负责人): whatever a head may approve, so may they.
IMPLIED_ROLES = {PRINCIPAL_HEAD: {HEAD}}
