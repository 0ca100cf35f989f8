// The eras of the COW/GUP saga: every history knob's value in a Linux
// version, and the reproducers (docs/history.md). The table itself is
// build/eras_table.c, made from docs/history.json by tools/history.py. Shared by
// the knob and saga programs.

#define NKNOB 17   // the era knobs; race_delay_ms is not one of them

struct era {
  char *name;     // a Linux version
  char *what;     // what changed in it
  int v[NKNOB];   // in the order of knob_names
};

extern char *knob_names[NKNOB];
extern struct era eras[];
extern int neras;
extern char *repro_names[];   // the saga's reproducers, in its order
extern int nrepros;
extern int repro_since[];     // each one's first era (index in eras): n/a before

// Set every era knob to era e's value. 0, or -1 (a knob was refused).
int set_era(struct era *e);
// The era called name, or 0.
struct era *find_era(char *name);
