// The demo data set `make seed` writes: five users, twelve articles, follows,
// favorites and comment threads, one of them longer than the API's comment
// page of 20. The browser tests read it too, to know what to look for.
//
// Every user's password is the same local-only demo value, SEED_PASSWORD
// (see scripts/seed.sh); emails are on the reserved example.com domain.

const avatar = (name) =>
  `https://api.dicebear.com/9.x/initials/svg?seed=${encodeURIComponent(name)}`;

export const USERS = [
  {
    username: 'ada.lovelace',
    email: 'ada.lovelace@example.com',
    bio: 'Writes about the first programs and the engines that ran them.',
    image: avatar('Ada Lovelace'),
  },
  {
    username: 'grace_hopper',
    email: 'grace.hopper@example.com',
    bio: 'Compilers, COBOL and nanoseconds. It is easier to ask forgiveness than permission.',
    image: avatar('Grace Hopper'),
  },
  {
    username: 'alan-turing',
    email: 'alan.turing@example.com',
    bio: 'Computability, codes and the occasional marathon.',
    image: avatar('Alan Turing'),
  },
  {
    username: 'margaret.hamilton',
    email: 'margaret.hamilton@example.com',
    bio: 'Software engineering, priority displays and getting to the Moon on time.',
    image: avatar('Margaret Hamilton'),
  },
  {
    username: 'dennis_ritchie',
    email: 'dennis.ritchie@example.com',
    bio: 'C, Unix, and keeping things small.',
    image: avatar('Dennis Ritchie'),
  },
];

const code = (lang, text) => '```' + lang + '\n' + text + '\n```';

export const ARTICLES = [
  {
    author: 'ada.lovelace',
    title: 'Notes on the Analytical Engine',
    description: 'What a machine that weaves algebraic patterns can and cannot do.',
    tagList: ['history', 'programming'],
    body: `## The engine

The Analytical Engine *weaves algebraical patterns just as the Jacquard loom
weaves flowers and leaves*. It has a **store** and a **mill**:

- the store holds the numbers,
- the mill operates on them,
- cards say which operation comes next.

## What it cannot do

It has no pretensions to *originate* anything. It can do whatever we know how
to order it to perform.`,
  },
  {
    author: 'ada.lovelace',
    title: 'Computing Bernoulli numbers, step by step',
    description: 'Note G, rewritten as a loop.',
    tagList: ['programming', 'algorithms'],
    body: `Note G lists every operation the engine performs. Written today it
is a short loop:

${code('python', `def bernoulli(n):
    a = [0] * (n + 1)
    for m in range(n + 1):
        a[m] = 1 / (m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
    return a[0]`)}

The table in the note is the same computation, one column per variable.`,
  },
  {
    author: 'grace_hopper',
    title: 'A nanosecond is about a foot of wire',
    description: 'Why the speed of light matters to a programmer.',
    tagList: ['performance', 'history'],
    body: `Hand out pieces of wire 11.8 inches long: that is how far light
travels in a billionth of a second.

> Between here and the satellite there are a very large number of nanoseconds.

Every hop between a client and its database costs some of them. Count them.`,
  },
  {
    author: 'grace_hopper',
    title: 'Why compilers matter',
    description: 'Programs should be written for people to read.',
    tagList: ['programming', 'compilers'],
    body: `## From subroutines to languages

The first compiler put subroutines together from a library. The next step
was obvious: let people write *English-like* statements and let the machine
translate them.

1. Write what you mean.
2. Let the compiler worry about the machine.
3. Measure, then optimise.`,
  },
  {
    author: 'grace_hopper',
    title: 'The first actual bug',
    description: 'A moth, a relay and a logbook entry.',
    tagList: ['history', 'debugging'],
    body: `On 9 September 1947 the Mark II stopped. In relay #70, panel F, there
was a moth. It went into the logbook with the note *first actual case of bug
being found*.

The lesson still holds: **read the log**.`,
  },
  {
    author: 'alan-turing',
    title: 'On computable numbers, briefly',
    description: 'A machine with a tape, a head and a table of states.',
    tagList: ['theory', 'algorithms'],
    body: `A computable number is one whose digits a machine can write down one
after another.

| state | symbol | write | move | next |
|---|---|---|---|---|
| b | blank | 0 | R | c |
| c | blank | 1 | R | b |

That table prints 0 1 0 1 ... forever: a computable number.`,
  },
  {
    author: 'alan-turing',
    title: 'The imitation game',
    description: 'Can machines think? Ask a better question.',
    tagList: ['ai', 'theory'],
    body: `Instead of asking whether machines can think, ask whether an
interrogator can tell a machine from a person by their written answers.

- no faces,
- no voices,
- only text.`,
  },
  {
    author: 'margaret.hamilton',
    title: 'Priority displays and the 1202 alarm',
    description: 'How a computer that was overloaded still landed on the Moon.',
    tagList: ['reliability', 'history'],
    body: `During the descent the guidance computer raised alarm 1202: more work
than time. It dropped the low-priority jobs and kept flying.

## Design for the error

Assume that something will go wrong, and decide in advance what is shed
first.`,
  },
  {
    author: 'margaret.hamilton',
    title: 'Software engineering is engineering',
    description: 'Why the name was chosen, and what it asks of us.',
    tagList: ['programming', 'reliability'],
    body: `The term was chosen so that software would be taken as seriously as
any other discipline of engineering: specified, reviewed and tested.

${code('text', `interface errors  -> found before integration
timing errors     -> found by priority scheduling
everything else   -> found by the simulator`)}`,
  },
  {
    author: 'dennis_ritchie',
    title: 'Hello, world',
    description: 'The smallest complete program, and why it is a good first one.',
    tagList: ['c', 'programming'],
    body: `${code('c', `#include <stdio.h>

int main(void)
{
    printf("hello, world\\n");
    return 0;
}`)}

Compile it, run it, and you have checked the editor, the compiler, the
linker and the terminal at once.`,
  },
  {
    author: 'dennis_ritchie',
    title: 'Keep it small',
    description: 'Notes on the design of Unix tools.',
    tagList: ['unix', 'c'],
    body: `- Make each program do one thing well.
- Expect the output of every program to become the input to another.
- Build a prototype early, and throw away the clumsy parts.

Small tools are easy to test, and easy to replace.`,
  },
  {
    author: 'dennis_ritchie',
    title: 'Pointers without fear',
    description: 'An address is just a number with a type.',
    tagList: ['c', 'memory'],
    body: `${code('c', `int x = 42;
int *p = &x;
*p += 1;  /* x is now 43 */`)}

A pointer is an address and a type. Most of the trouble comes from
forgetting how long the thing it points to lives.`,
  },
];

// Who follows whom.
export const FOLLOWS = [
  ['grace_hopper', 'ada.lovelace'],
  ['alan-turing', 'ada.lovelace'],
  ['margaret.hamilton', 'grace_hopper'],
  ['dennis_ritchie', 'grace_hopper'],
  ['ada.lovelace', 'alan-turing'],
  ['dennis_ritchie', 'alan-turing'],
  ['grace_hopper', 'margaret.hamilton'],
  ['alan-turing', 'dennis_ritchie'],
];

// Who favorites which article (by title).
export const FAVORITES = [
  ['grace_hopper', 'Notes on the Analytical Engine'],
  ['alan-turing', 'Notes on the Analytical Engine'],
  ['dennis_ritchie', 'Notes on the Analytical Engine'],
  ['ada.lovelace', 'A nanosecond is about a foot of wire'],
  ['margaret.hamilton', 'A nanosecond is about a foot of wire'],
  ['ada.lovelace', 'The imitation game'],
  ['grace_hopper', 'Priority displays and the 1202 alarm'],
  ['alan-turing', 'Hello, world'],
  ['margaret.hamilton', 'Keep it small'],
];

// Short threads: [article title, [author, body]...] in the order posted.
export const THREADS = [
  ['Notes on the Analytical Engine', [
    ['grace_hopper', 'The store and the mill are still how we draw a computer today.'],
    ['alan-turing', 'And "it can do whatever we know how to order it to perform" is still the question.'],
    ['ada.lovelace', 'Only if we know how to order it. That is the whole art.'],
  ]],
  ['The first actual bug', [
    ['dennis_ritchie', 'The logbook is in a museum now, moth included.'],
    ['margaret.hamilton', 'Read the log: advice that never gets old.'],
  ]],
  ['Hello, world', [
    ['ada.lovelace', 'A first program that checks the whole tool chain. Clever.'],
  ]],
];

// One long thread, longer than one page of the API's comment list.
export const LONG_THREAD_TITLE = 'Priority displays and the 1202 alarm';
export const LONG_THREAD_LENGTH = 25;
const voices = ['ada.lovelace', 'grace_hopper', 'alan-turing', 'dennis_ritchie', 'margaret.hamilton'];
export const LONG_THREAD = Array.from({ length: LONG_THREAD_LENGTH }, (_, i) => [
  voices[i % voices.length],
  `Alarm log, entry ${String(i + 1).padStart(2, '0')}: the executive shed a low-priority job and kept the landing going.`,
]);
