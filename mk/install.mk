# mk/install.mk — `make install` and `make uninstall`.
#
#   make install   [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=] [MANDIR=] [UNITDIR=]
#   make uninstall (the same variables as the install it undoes)
#
# Installs the programs in $(BINDIR) (bin/ by default), building them first
# when they are out of date.  NOBUILD=1 installs $(BINDIR)'s programs as
# they are, without looking at the sources:
#
#   make install NOBUILD=1 BINDIR=/tmp/x/bin DESTDIR=/tmp/stage PREFIX=/usr
#
# What goes where (PREFIX=/usr shown; /usr/local is the default):
#
#   /usr/bin/gazette-indexer, /usr/bin/gazette, /usr/sbin/gazette-searchd
#   /usr/share/man/man{1,5,7,8}/...          every page in man/
#   /etc/gazette/gazette.conf                data/gazette.conf, only when
#                                            absent; an existing, different
#                                            file gets gazette.conf.example
#                                            beside it
#   /usr/lib/systemd/system/gazette-*        deploy/systemd/*.in, with paths
#   /usr/lib/sysusers.d/gazette.conf         the gazette user
#   /usr/lib/tmpfiles.d/gazette.conf         /var/lib/gazette, /var/log/gazette
#   /usr/share/doc/gazette/                  operations.md, protocol.md, the
#                                            logrotate and cron examples
#
# SYSCONFDIR is /etc when PREFIX is /usr, else $(PREFIX)/etc.  `make
# uninstall` removes each of these files again, except a configuration file
# that differs from data/gazette.conf (it was edited: it is the user's).
# Nothing here runs systemctl, systemd-sysusers or useradd: see
# docs/operations.md for the steps after installing.

INSTALL ?= install
# Installed program directories.  (BINDIR is the build's output directory.)
INSTALL_BINDIR ?= $(PREFIX)/bin
INSTALL_SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DOCDIR ?= $(PREFIX)/share/doc/gazette

# Source files, and where each one lands under $(DESTDIR).
INST_USER_PROGS := gazette-indexer gazette
INST_SBIN_PROGS := gazette-searchd
INST_MAN := $(sort $(wildcard man/*.[1-8]))
INST_UNITS := $(sort $(wildcard deploy/systemd/*.service.in deploy/systemd/*.timer.in))
INST_DOCS := docs/operations.md docs/protocol.md \
	$(wildcard data/crontab.example) deploy/logrotate/gazette
INST_CONF := $(DESTDIR)$(SYSCONFDIR)/gazette/gazette.conf

# Destination of one man page: man/x.5 -> $(MANDIR)/man5/x.5.
inst_man_dest = $(DESTDIR)$(MANDIR)/man$(patsubst .%,%,$(suffix $(1)))/$(notdir $(1))
# Installed name of a doc file: the logrotate snippet gets a telling name.
inst_doc_name = $(if $(filter deploy/logrotate/gazette,$(1)),logrotate.example,$(notdir $(1)))

# Unit templates name installed paths as @bindir@, @sbindir@ and @sysconfdir@.
INST_SED := sed -e 's|@bindir@|$(INSTALL_BINDIR)|g' \
	-e 's|@sbindir@|$(INSTALL_SBINDIR)|g' -e 's|@sysconfdir@|$(SYSCONFDIR)|g'

.PHONY: install uninstall install-programs

ifeq ($(NOBUILD),)
install-programs: $(addprefix $(BINDIR)/,$(INST_USER_PROGS) $(INST_SBIN_PROGS))
else
install-programs:
	@for p in $(addprefix $(BINDIR)/,$(INST_USER_PROGS) $(INST_SBIN_PROGS)); do \
		[ -x "$$p" ] || { echo "install: $$p is missing (NOBUILD=1: build it first)" >&2; exit 1; }; \
	done
endif

install: install-programs
	$(INSTALL) -d $(DESTDIR)$(INSTALL_BINDIR) $(DESTDIR)$(INSTALL_SBINDIR)
	$(INSTALL) -m 755 $(addprefix $(BINDIR)/,$(INST_USER_PROGS)) $(DESTDIR)$(INSTALL_BINDIR)/
	$(INSTALL) -m 755 $(addprefix $(BINDIR)/,$(INST_SBIN_PROGS)) $(DESTDIR)$(INSTALL_SBINDIR)/
	@set -e; $(foreach m,$(INST_MAN),echo "$(INSTALL) -D -m 644 $(m) $(call inst_man_dest,$(m))"; \
		$(INSTALL) -D -m 644 $(m) $(call inst_man_dest,$(m));)
	$(INSTALL) -d $(dir $(INST_CONF))
	@if [ ! -e $(INST_CONF) ]; then \
		echo "$(INSTALL) -m 644 data/gazette.conf $(INST_CONF)"; \
		$(INSTALL) -m 644 data/gazette.conf $(INST_CONF); \
	elif ! cmp -s data/gazette.conf $(INST_CONF); then \
		echo "$(INST_CONF) exists: installing gazette.conf.example beside it"; \
		$(INSTALL) -m 644 data/gazette.conf $(INST_CONF).example; \
	fi
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	@set -e; $(foreach u,$(INST_UNITS),echo "$(INST_SED) $(u) >$(DESTDIR)$(UNITDIR)/$(basename $(notdir $(u)))"; \
		$(INST_SED) $(u) >$(DESTDIR)$(UNITDIR)/$(basename $(notdir $(u))); \
		chmod 644 $(DESTDIR)$(UNITDIR)/$(basename $(notdir $(u)));)
	$(INSTALL) -D -m 644 deploy/systemd/gazette.sysusers $(DESTDIR)$(SYSUSERSDIR)/gazette.conf
	$(INSTALL) -D -m 644 deploy/systemd/gazette.tmpfiles $(DESTDIR)$(TMPFILESDIR)/gazette.conf
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)
	@set -e; $(foreach d,$(INST_DOCS),echo "$(INSTALL) -m 644 $(d) $(DESTDIR)$(DOCDIR)/$(call inst_doc_name,$(d))"; \
		$(INSTALL) -m 644 $(d) $(DESTDIR)$(DOCDIR)/$(call inst_doc_name,$(d));)

# The doc list is fixed (not the wildcard above), so a crontab.example that
# was installed is removed even if the source tree no longer has it.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(INSTALL_BINDIR)/,$(INST_USER_PROGS))
	rm -f $(addprefix $(DESTDIR)$(INSTALL_SBINDIR)/,$(INST_SBIN_PROGS))
	rm -f $(foreach m,$(INST_MAN),$(call inst_man_dest,$(m)))
	rm -f $(foreach u,$(INST_UNITS),$(DESTDIR)$(UNITDIR)/$(basename $(notdir $(u))))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/gazette.conf $(DESTDIR)$(TMPFILESDIR)/gazette.conf
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,operations.md protocol.md \
		crontab.example logrotate.example)
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	rm -f $(INST_CONF).example
	@if cmp -s data/gazette.conf $(INST_CONF); then \
		echo "rm -f $(INST_CONF)"; rm -f $(INST_CONF); \
	elif [ -e $(INST_CONF) ]; then \
		echo "keeping $(INST_CONF): it was edited"; \
	fi
	rmdir $(dir $(INST_CONF)) 2>/dev/null || true
