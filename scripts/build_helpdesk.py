"""Build the built-in university IT-helpdesk dataset (rerank_bench/data/helpdesk/).

Why a generator instead of hand-edited JSONL: the articles, questions and judgments below are
written by hand, but ids, splits and file layout are derived from them deterministically (seeded),
so a reviewer reads prose here, a change is one diff, and the shipped files can always be rebuilt
byte for byte with ``python scripts/build_helpdesk.py``.

The dataset is written to carry the trap of our thesis: many questions whose words point at one
article (``ssh keeps dropping in the library`` -> the SSH set-up guide) while the article that
actually solves them is another (library WiFi troubleshooting). See the dataset card (README.md in
the output folder) for the user model, the grading guidelines and the trap families.

Usage:
    python scripts/build_helpdesk.py [--out rerank_bench/data/helpdesk] [--check]

``--check`` rebuilds into memory and exits 1 if the files on disk differ (for CI).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from rerank_bench.data.io import atomic_write

__all__ = ["ARTICLES", "NEEDS", "Need", "build", "main"]

SEED = 20240917
SPLIT_FRACTIONS = {"test": 0.25, "dev": 0.15}  # the rest is train
SARAH = "ssh keeps dropping in the library"

# ---------------------------------------------------------------------------------------------
# Articles: (slug, category, title, body). Slugs are for authoring only; the files use kb-NNNN.
# Bodies are written with hard line breaks to fit the line limit; whitespace is collapsed on build.
# ---------------------------------------------------------------------------------------------

ARTICLES: list[tuple[str, str, str, str]] = [
    # ----------------------------------------------------------------------------- wifi
    (
        "wifi-eduroam-laptop",
        "wifi",
        "Connecting to eduroam on Windows and macOS",
        """
eduroam is the University's main wireless network and the one you should use on every laptop. Sign
in with your full university username in the form abc123@northbridge.ac.uk (not just abc123) and
your normal university password. On Windows 11, pick eduroam from the network list, accept the
certificate when asked, and confirm the server name is radius.northbridge.ac.uk. On macOS, choose
eduroam, enter your details and click Continue on the certificate prompt after checking the same
server name. If you have never connected before, the easiest route is the geteduroam installer,
which sets the right security options for you and avoids the most common mistake: typing the
username without the @northbridge.ac.uk part. Do not use the network called UniGuest on a student
or staff laptop; it is slower, blocks some services and logs you out every 24 hours. If eduroam
says your credentials are wrong but they work on the web, your saved profile is usually out of
date: forget the network and join it again.
""",
    ),
    (
        "wifi-eduroam-android",
        "wifi",
        "Setting up eduroam on Android phones and tablets",
        """
Android asks for more settings than other devices, and getting one of them wrong is the usual
reason a phone will not join eduroam. The simplest method is the free geteduroam app: install it,
search for Northbridge University and sign in; it installs the certificate and profile for you. To
set it up by hand, choose eduroam and enter: EAP method PEAP, Phase 2 authentication MSCHAPV2, CA
certificate "Use system certificates", Domain northbridge.ac.uk, Identity your full username
(abc123@northbridge.ac.uk), Anonymous identity anonymous@northbridge.ac.uk, and your password.
Newer Android versions refuse to connect if the CA certificate is set to "Do not validate", so
leave that option alone even if an old guide tells you to use it. If your phone connected last term
and has now stopped, remove the saved network and add it again; the profile may still hold an older
password.
""",
    ),
    (
        "wifi-eduroam-ios",
        "wifi",
        "Setting up eduroam on iPhone and iPad",
        """
On an iPhone or iPad, open Settings, then Wi-Fi, and tap eduroam. Enter your full university
username including @northbridge.ac.uk and your password, then tap Join. You will be shown a
certificate for radius.northbridge.ac.uk: check the name and tap Trust. That is all most people
need. If the device keeps asking for the password, or says "Unable to join the network", tap the
blue i next to eduroam, choose Forget This Network and join again. Devices that were set up with a
configuration profile from another university may keep trying that profile; remove it under
Settings, General, VPN and Device Management. Private Wi-Fi Address can stay switched on; our
network does not need your hardware address. Apple Watch and other accessories use the phone's
connection and do not need to be set up separately.
""",
    ),
    (
        "wifi-library",
        "wifi",
        "Library WiFi: troubleshooting in the Main Library",
        """
The Main Library is the busiest wireless area on campus, and the old library building does not make
it easy. The ground-floor Reading Room has thick stone walls and a known dead zone along the east
windows and in the back stacks, where the signal drops and laptops hop between access points every
few minutes. Anything that needs an unbroken connection notices this first. What helps: 1. Move.
Tables in the middle of the Reading Room and anywhere on floors 1 and 3 have much better coverage
than the window bays. 2. Plug in. The study desks on floor 2 (desks 2.01 to 2.40) have blue network
cables; these are fast, stable and need no registration, just plug in and sign in when prompted.
Staff at the help point lend USB-C adapters. 3. Prefer 5 GHz. The 2.4 GHz band is crowded at peak
times; in your adapter settings set the preferred band to 5 GHz. 4. Forget and re-add eduroam if
your laptop was set up before the 2023 upgrade. 5. Turn off WiFi power saving on Windows laptops.
Tell us about a bad spot in the library using the "Report a WiFi problem" form with the desk
number.
""",
    ),
    (
        "wifi-halls",
        "wifi",
        "Internet in University residences (ResNet)",
        """
Every bedroom in University-managed residences (halls and student flats) has a wall network port
and eduroam coverage, run by the ResNet team. The wireless network in residences is shared by
hundreds of residents and is at its busiest between 7 pm and midnight, when each access point
serves a whole corridor of streaming, gaming and downloading. For anything that needs a steady
connection we strongly recommend the wall port with a network cable (sold at reception). The first
time you plug in, a registration page opens: sign in with your university account and the device is
registered for the academic year. Games consoles, smart TVs and streaming sticks cannot log in to
eduroam, so register them at the ResNet device portal using their MAC address; they then join the
ResNet-Devices network. Personal routers and WiFi extenders are not allowed because they interfere
with the network for everyone nearby, and a port that runs one is automatically disabled until it
is unplugged. If the wireless signal is poor at peak times, use the cable and report your block and
flat number so we can check the access point that serves you.
""",
    ),
    (
        "wifi-guest",
        "wifi",
        "WiFi for visitors and conference guests (UniGuest)",
        """
Visitors who are not from an eduroam institution can use the UniGuest network. Join UniGuest, open
a browser and register with a mobile number; a code arrives by text and gives 24 hours of access.
Event organisers can request a block of conference codes from the Service Desk at least five
working days in advance, giving the event name, dates and number of attendees. UniGuest is
deliberately limited: it is slower than eduroam, blocks peer-to-peer traffic and outgoing mail
servers, and cannot reach internal university systems. Staff and students should always use eduroam
instead. Visiting academics from other universities should use their home institution's eduroam
login, which works here automatically. If a guest cannot receive the text message, the event host
can print a voucher from the guest WiFi portal.
""",
    ),
    (
        "wifi-eduroam-abroad",
        "wifi",
        "Using eduroam at other universities and when travelling",
        """
Because eduroam is a worldwide service, the same settings you use on campus work at thousands of
universities, research institutes and some libraries and railway stations around the world. You do
not need to do anything before you travel: if your device connects to eduroam here, it will connect
elsewhere with the same username and password. Check you are using your full username
(abc123@northbridge.ac.uk); a short username works nowhere else. If it fails abroad but works at
home, the usual cause is a device that was set up without the certificate check, so the other
site's network cannot route your login back to us. Reinstall the profile with the geteduroam app
before you leave. Use the eduroam companion app to find locations. Some countries restrict certain
services on eduroam, so install and test the VPN client before you travel.
""",
    ),
    (
        "wifi-wired-ports",
        "wifi",
        "Using wired network ports in offices and teaching rooms",
        """
Staff offices, research labs and many teaching rooms have live network ports. University-managed
desktops and laptops work on any port as soon as they are plugged in. A personal or research device
needs to be registered before a port will give it a full connection: until then it lands on a
restricted network that only shows the registration page. Staff can register up to five devices in
the Network Registration portal; research equipment such as instruments or servers needs a request
through the Service Desk so a fixed address and firewall rules can be set up. If a port does not
work at all, check the number printed on the wall plate and include it when you report the fault;
not every port in older buildings is patched in. Do not connect switches or wireless access points
to university ports; they are detected and the port is disabled.
""",
    ),
    # ----------------------------------------------------------------------------- vpn
    (
        "vpn-install",
        "vpn",
        "Installing and connecting the GlobalProtect VPN",
        """
The University VPN (GlobalProtect) gives your device a campus network address when you are off
campus, so services that are restricted to campus work at home. Download GlobalProtect from the
Software Downloads page for Windows or macOS, or from the app store on phones. When it asks for a
portal, enter vpn.northbridge.ac.uk, then sign in with your university account and approve the
multi-factor prompt. You need the VPN for the research computing cluster, departmental file shares,
the remote desktop service, and anything else that only answers on the campus network, such as
departmental servers and the network licence servers used by some specialist applications on
University-managed computers. You do not need the VPN for email, Teams, OneDrive, Moodle or the
library catalogue. Disconnect when you have finished so your everyday browsing does not go through
the University.
""",
    ),
    (
        "vpn-disconnects",
        "vpn",
        "VPN disconnects or will not stay connected",
        """
If GlobalProtect connects but then drops, work through these steps. First, check the version:
clients older than 6.1 are disconnected after the nightly gateway update, so reinstall from the
Software Downloads page. Second, sessions are limited to 12 hours and idle sessions end after 3
hours; sign in again when prompted. Third, choose the gateway nearest to you: the client picks
automatically, but "UK-Main" is the most reliable; set it under Settings, Gateway. Fourth, turn off
any other VPN or security tool that also creates a virtual adapter, including some antivirus web
shields and commercial VPN apps; two VPN clients fight over the same routes and the University one
loses. Fifth, on macOS allow the GlobalProtect system extension under Privacy and Security,
otherwise the tunnel is torn down when the laptop sleeps. If the VPN still keeps disconnecting,
send us the logs from Troubleshooting, Collect Logs.
""",
    ),
    (
        "vpn-split-tunnel",
        "vpn",
        "Slow internet while on the VPN: how split tunnelling works",
        """
The University VPN uses split tunnelling: only traffic for University systems goes through the
tunnel, while streaming, video calls and general browsing go directly over your home connection. If
your whole internet becomes slow when you connect, your device may be on the legacy full-tunnel
profile. Open GlobalProtect, go to Settings and check that the portal is vpn.northbridge.ac.uk and
not the old full-tunnel address; remove any extra portal. Large file transfers to University file
shares are limited by your home upload speed, not by the VPN, so copying a few gigabytes from home
can take a long time. Licensed journals will recognise you through the VPN, but the library now
prefers the "Access via institution" login on publisher websites, which works without any VPN. If a
site you need is not reachable through the tunnel, tell us the address so we can add it.
""",
    ),
    (
        "vpn-linux",
        "vpn",
        "Connecting to the VPN from Linux (openconnect)",
        """
GlobalProtect has an official Linux client, but most Linux users find openconnect easier. Install
the openconnect package (and network-manager-openconnect-gnome for a graphical option) from your
distribution. Connect from a terminal with: sudo openconnect --protocol=gp vpn.northbridge.ac.uk
and sign in with your university username and password; the second prompt is for your multi-factor
code or the word "push" to receive an approval on your phone. The tunnel stays up as long as the
terminal is open. To use it in NetworkManager, add a VPN connection of type "Multi-protocol VPN
client (openconnect)", choose GlobalProtect and the same gateway. If DNS names of campus servers do
not resolve, install vpnc-scripts or set the search domain to northbridge.ac.uk manually. We
support openconnect on a best-effort basis.
""",
    ),
    (
        "vpn-mfa",
        "vpn",
        "VPN sign-in keeps failing at the multi-factor step",
        """
GlobalProtect uses the same multi-factor authentication (MFA) as the rest of your university
account. When you connect, a browser window opens for sign-in and then waits for you to approve the
request in the Microsoft Authenticator app. If the window closes before you can approve it, the
default browser is probably blocking pop-ups: in GlobalProtect settings, switch to the embedded
browser. If you are asked for a six-digit code, enter the current code shown in Authenticator, not
a code from a text message sent earlier. Codes only work if your phone clock is set automatically.
If you approve the prompt but the client still says authentication failed, sign out of
GlobalProtect completely (Settings, Sign Out) and try again; it may be holding an old token from
before your password was changed.
""",
    ),
]

ARTICLES += [
    # ----------------------------------------------------------------------------- hpc
    (
        "hpc-account",
        "hpc",
        "Getting an account on the Hawthorn research cluster",
        """
Hawthorn is the University's high-performance computing (HPC) cluster, free for research students
and staff. To get an account, fill in the HPC account request form with your project name and your
supervisor or principal investigator; they receive an email to approve it, and the account is
usually ready within two working days. Taught students can have an account for a dissertation
project if their supervisor requests it. Once the account exists you will receive an email with
your allocation (CPU hours, GPU hours and project storage) and a link to the getting-started
course, which takes about an hour and is strongly recommended before you submit your first job.
Accounts are tied to a project and expire when the project ends; you will be reminded a month
before and can ask for an extension. External collaborators need a sponsored guest account first.
""",
    ),
    (
        "hpc-ssh-setup",
        "hpc",
        "Connecting to the HPC cluster with SSH",
        """
You reach the Hawthorn cluster with SSH, a secure terminal connection, at
login.hpc.northbridge.ac.uk. On macOS and Linux open a terminal and run: ssh
abc123@login.hpc.northbridge.ac.uk (use your own username). On Windows 10 and 11, the same command
works in PowerShell or Windows Terminal; MobaXterm and PuTTY are also fine. The first time you
connect, SSH shows the server's fingerprint; compare it with the fingerprints published on the
cluster status page and type yes. You then sign in with your SSH key and a second factor (see the
two-factor guide); password-only logins are disabled. To save typing, add a block to ~/.ssh/config
with Host hawthorn, HostName login.hpc.northbridge.ac.uk, User abc123 and IdentityFile
~/.ssh/id_ed25519, then connect with ssh hawthorn. From outside the campus network you must connect
through the jump host or the VPN. If the SSH connection is refused, check the status page for
maintenance before reporting it.
""",
    ),
    (
        "hpc-ssh-keys",
        "hpc",
        "Creating an SSH key and adding it to your cluster account",
        """
Logins to the cluster use SSH keys instead of passwords. Create a key pair on your own computer
with: ssh-keygen -t ed25519 -C "abc123 laptop". Accept the default location and choose a
passphrase; the passphrase protects the key if your laptop is stolen, and an SSH agent means you
only type it once per session. Never share or email the private key (id_ed25519); only the public
key (id_ed25519.pub) is uploaded. Add the public key in the HPC self-service portal under My Keys;
it is copied to the cluster within ten minutes. Each computer you use should have its own key, so
you can remove one without affecting the others. "Permission denied (publickey)" usually means the
key you are offering is not the one you uploaded, often after reinstalling the operating system or
moving to a new laptop: create a new key and upload it. Keys older than two years are removed
automatically, and you will get an email first.
""",
    ),
    (
        "hpc-jump-host",
        "hpc",
        "Reaching the cluster from off campus through the jump host",
        """
The cluster login nodes only accept connections from the campus network. From home or while
travelling you have two options. The first is the VPN. The second, often simpler, is the jump host
(also called the bastion), jump.northbridge.ac.uk, which accepts SSH from anywhere and forwards you
to the cluster. In one command: ssh -J abc123@jump.northbridge.ac.uk
abc123@login.hpc.northbridge.ac.uk. To make it permanent, add ProxyJump
abc123@jump.northbridge.ac.uk to the hawthorn block in ~/.ssh/config; scp, rsync and VS Code Remote
then work through it automatically. Your SSH key must be uploaded to both systems, which the HPC
self-service portal does for you. The jump host asks for your second factor once; the cluster does
not ask again for eight hours. Do not copy data onto the jump host or run programs there; it has no
storage and sessions are limited to forwarding.
""",
    ),
    (
        "hpc-ssh-keepalive",
        "hpc",
        "SSH sessions that disconnect when idle: keepalives and tmux",
        """
The cluster and the campus firewall close SSH connections that have been silent for 30 minutes. If
your session freezes and then ends with "client_loop: send disconnect: Broken pipe" after you left
it idle, add keepalives to ~/.ssh/config under the cluster host: ServerAliveInterval 60 and
ServerAliveCountMax 5. Your client then sends a small message every minute so the connection is
never idle. In PuTTY set "Seconds between keepalives" to 60 under Connection. Keepalives cannot
save a session when the network underneath really goes away, for example when a laptop sleeps or
changes network. For long interactive work, start tmux on the login node (tmux new -s work) and
reattach after a disconnection with tmux attach -t work: your programs keep running and you
continue where you stopped. Better still, run long computations as batch jobs, which do not depend
on your SSH session at all.
""",
    ),
    (
        "hpc-2fa",
        "hpc",
        "Two-factor authentication on the cluster",
        """
Every SSH login to the cluster or the jump host asks for a second factor after your key. Hawthorn
uses a time-based one-time code (TOTP), separate from the Microsoft prompt you use for email. To
enrol, sign in to the HPC self-service portal, choose Two-factor, and scan the QR code with any
authenticator app (Microsoft Authenticator, Google Authenticator, FreeOTP or a password manager).
When SSH shows "Verification code:", type the current six-digit code. Codes depend on an accurate
clock: if they are always rejected, set your phone's time to automatic. A successful login is
remembered for eight hours from the same address, so tools like VS Code do not prompt every time.
If you lose the device with your authenticator, use one of the backup codes shown at enrolment, or
ask the Research Computing team to reset your enrolment after confirming your identity.
""",
    ),
    (
        "hpc-login-node",
        "hpc",
        "Login node rules: why your program was stopped",
        """
The Hawthorn login nodes are shared by everyone connected to the cluster. They are for editing
files, compiling code, moving data and submitting jobs, not for running your analysis. A watchdog
stops any process on a login node that uses more than 2 CPU cores or 8 GB of memory for longer than
ten minutes, and ends the whole terminal of repeat offenders, which looks exactly like a connection
that has been cut. You will find a message in ~/login-node-notices.txt explaining what was stopped.
Run heavy work on the compute nodes instead: submit a batch job with sbatch, or ask for an
interactive session with srun --pty --cpus-per-task=4 --mem=16G --time=2:00:00 bash, which gives
you a shell on a compute node where nothing is stopped early. Jupyter, VS Code server, Python and R
sessions started on a login node count too; use Open OnDemand to run them on a compute node.
""",
    ),
    (
        "hpc-slurm",
        "hpc",
        "Submitting and monitoring batch jobs with Slurm",
        """
Hawthorn uses the Slurm scheduler. Write a job script that starts with #!/bin/bash and #SBATCH
lines for the resources you need, for example --time=04:00:00, --cpus-per-task=8, --mem=32G and,
for GPUs, --gres=gpu:1 with --partition=gpu. Submit it with sbatch job.sh; Slurm prints a job id.
squeue -u $USER lists your jobs and the reason a job is still pending (Priority or Resources is
normal; QOSMaxJobsPerUser means you have reached your limit). Output goes to slurm-<jobid>.out in
the folder you submitted from. A job that runs out of its time or memory is killed: sacct -j
<jobid> shows TIMEOUT or OUT_OF_MEMORY, and the fix is to request more in the script. Cancel a job
with scancel <jobid>. Ask for what you need rather than the maximum; smaller jobs start sooner.
Example scripts for Python, R, MATLAB and GPU training are in /apps/examples.
""",
    ),
    (
        "hpc-storage",
        "hpc",
        "Cluster storage: home, scratch and project space",
        """
Each cluster account has three places to keep files. Your home directory (/home/abc123) has 50 GB,
is backed up nightly and is meant for code, scripts and small results. Scratch (/scratch/abc123) is
large and fast and is where jobs should read and write big data, but it is not backed up and files
untouched for 60 days are deleted automatically. Project space (/project/name) is shared by your
research group, backed up, and sized by your allocation. Run the quota command to see how much you
are using. When your home directory is full, programs fail in odd ways, for example conda cannot
install packages or jobs end with "Disk quota exceeded"; clear out ~/.cache and old conda
environments first. For more project space, your principal investigator can apply for an extended
allocation. Cluster storage is not the place for the only copy of your thesis data; keep that on
Research Data Storage.
""",
    ),
    (
        "hpc-ondemand",
        "hpc",
        "Jupyter, RStudio and desktops on the cluster with Open OnDemand",
        """
Open OnDemand is a web portal for the cluster at ondemand.hpc.northbridge.ac.uk. Sign in with your
university account and you can start JupyterLab, RStudio Server, MATLAB or a full Linux desktop on
a compute node without using a terminal. Choose an app, set the number of hours, cores and memory
(and a GPU if your allocation has one), and click Launch; when the session is ready, click Connect.
Sessions keep running if you close the browser tab or your laptop loses its connection, so you can
reconnect later from the same page until the time runs out. Use your own conda environment in
Jupyter by installing ipykernel into it and registering it as a kernel. The portal also has a file
browser for uploading and downloading small files and a job composer. From off campus, Open
OnDemand works without the VPN.
""",
    ),
    (
        "hpc-file-transfer",
        "hpc",
        "Copying files to and from the cluster",
        """
To move files between your computer and the cluster, use scp or rsync from a terminal, or a
graphical tool such as WinSCP, FileZilla (SFTP) or Cyberduck. Copy a file with: scp results.csv
abc123@login.hpc.northbridge.ac.uk:~/project/. For folders and for resuming interrupted copies,
rsync is better: rsync -avP data/ hawthorn:/scratch/abc123/data/. All of these tools use SSH, so
the same keys, two-factor codes and jump host settings apply. For transfers larger than about 50
GB, or from another institution, use the Globus endpoint "Northbridge Hawthorn", which retries
automatically and runs without your laptop being connected. Do not move large data through the
login nodes from inside jobs. Small uploads can also be made through the Open OnDemand file
browser. Transfers over home broadband are limited by your upload speed.
""",
    ),
    # ----------------------------------------------------------------------------- printing
    (
        "print-papercut",
        "printing",
        "Printing on campus: how PaperCut works",
        """
All student printers on campus use PaperCut. You send a document to the queue called Student-Print
from any lab computer, your own laptop or by email, then go to any multifunction printer and tap
your campus card on the reader to release it. Jobs wait for 24 hours, so you can print from home
and collect later from whichever printer is free. Black and white A4 costs 5p a side, colour A4
costs 20p, A3 is double; double-sided printing is the default. Your PaperCut balance is shown on
lab computers in the top-right corner and at print.northbridge.ac.uk, where you can also see recent
jobs and request a refund for a job that came out wrong. Staff print through the same system with a
departmental account instead of a personal balance. Printers with a green sticker also scan and
copy.
""",
    ),
    (
        "print-credit",
        "printing",
        "Adding print credit to your PaperCut balance",
        """
Students receive 10 pounds of free printing at the start of each year; after that you top up your
PaperCut print account by debit or credit card at print.northbridge.ac.uk (minimum 2 pounds) or
with cash at the library help point. Credit appears straight away. Each job is costed when it
reaches the printer, and a job that costs more than your remaining balance is held rather than
printed: the printer screen shows a warning in red, and nothing comes out until the balance covers
the whole job. Colour documents need enough credit for every page before the first one prints, so a
long colour dissertation can need more than you expect; check the cost shown in the PaperCut
pop-up. Top up and release the job again; it stays in the queue for 24 hours. Credit is not
refundable when you leave. Dissertation printing funded by your school is added to your balance by
the school office, not the Service Desk.
""",
    ),
    (
        "print-laptop",
        "printing",
        "Printing from your own laptop or phone",
        """
You can print to the campus printers from your own device in two ways. Web Print works everywhere:
sign in at print.northbridge.ac.uk, choose Web Print, upload a PDF or Office file and select the
queue; it is the quickest option for occasional printing. Mobility Print adds the Student-Print
queue to your laptop so you can print from any application: download the Mobility Print installer
from the same site while connected to eduroam, run it, and sign in with your university username
when asked. If your laptop shows the printer as offline, check you are on eduroam and not UniGuest,
and that the first sign-in was completed. On iPhone and Android, use the share button, then Print,
and choose Student-Print when you are on eduroam. However you send it, you collect the job by
tapping your card at any printer.
""",
    ),
    (
        "print-release",
        "printing",
        "My print job does not come out: releasing jobs with your card",
        """
Printed documents are held until you release them at a printer. Tap your campus card on the reader
beside the screen; the first time, you will be asked to link the card by signing in with your
username and password. Your waiting jobs are then listed: choose Print All or select individual
ones. If nothing is listed, the job may still be processing (large PDFs can take a minute), it may
have been sent to a different queue, or it may have expired after 24 hours. If the card is not
recognised, it may be a replacement card that needs linking again: sign in on the printer screen
with your username instead. A job that appears but never prints often has an unusual page size;
print it again with "Fit to A4". Printer faults such as paper jams or no toner can be reported with
the QR code on the machine.
""",
    ),
    (
        "print-3d",
        "printing",
        "3D printing in the Makerspace",
        """
The Makerspace on the ground floor of the Engineering Library has six 3D printers (Prusa MK4 and an
Ultimaker S5 for dual-material work) that any student or member of staff can use after a one-hour
induction. Book an induction and printer time through the Makerspace booking page. Bring your model
as an STL or 3MF file; staff will check it and help you slice it. PLA is free for prints up to 100
g; PETG, TPU and larger prints are charged per gram to your PaperCut balance or a project code.
Prints longer than eight hours are run overnight by staff. The Makerspace also has a laser cutter
and a vinyl cutter, each needing its own induction. For coursework prints due on the same day, book
early: the week before project deadlines is always full.
""",
    ),
    (
        "print-poster",
        "printing",
        "Poster and large-format printing",
        """
Conference and dissertation posters up to A0 are printed by the Print Centre in the Student Union
building. Export your poster as a PDF at the final size (for example 841 x 1189 mm for A0) with
fonts embedded, and upload it through the Print Centre order form; choose paper (satin or fabric)
and pay by card or with a research project code. Orders placed before noon are ready the next
working day; during conference season allow three days. Check the preview carefully: posters made
in PowerPoint at A4 size and scaled up often look blurry. The Print Centre can also do binding for
theses and large copying jobs. The ordinary campus printers can print A3 but not larger, and A3
must be selected in the print dialog.
""",
    ),
    (
        "print-scan",
        "printing",
        "Scanning and copying on the multifunction printers",
        """
Every campus printer with a green sticker can scan and copy. Tap your card to sign in, then choose
Scan. Scan to My Email sends a PDF to your university mailbox; Scan to OneDrive saves it in a
folder called Scans. Scanning is free; copying costs the same as printing. For multi-page documents
use the document feeder on top, and choose single or double-sided before you press Start. Files
over 20 MB are split into several emails, so for a whole book chapter scan at 200 dpi in black and
white. If the scan does not arrive, check your junk folder and make sure you are signed in as
yourself, not as a previous user who forgot to log out. Scan to USB is switched off for security
reasons.
""",
    ),
    (
        "print-staff",
        "printing",
        "Printing for staff: departmental accounts and office printers",
        """
Staff print through PaperCut using a shared account for their school or department. The first time
you print, a pop-up asks which account to charge; choose your department, or a research grant code
if your project pays for printing. Office printers in departments are on the Staff-Print queue and
release jobs when you tap your staff card, like the student printers. New staff get printing
automatically once their contract is active in the HR system; if you see "no shared accounts
available", ask your school administrator to add you to the department account in PaperCut.
Printing exam papers and confidential documents should use the secure Exams-Print queue in the
Print Centre. Personal printing on staff accounts is not allowed.
""",
    ),
]

ARTICLES += [
    # ----------------------------------------------------------------------------- accounts
    (
        "acct-password-reset",
        "accounts",
        "Resetting a forgotten password",
        """
If you have forgotten your university password, go to password.northbridge.ac.uk and choose
"Forgotten password". You will be asked to confirm your identity with the method you registered: a
code sent to your personal mobile number or personal email address, or your authenticator app.
Choose a new password of at least 14 characters; a phrase of three or four unrelated words is
easier to remember and harder to guess than a short complicated one. You cannot reuse any of your
last ten passwords. If you never registered recovery details, or no longer have access to them,
visit the IT Service Desk in person with photo ID, or call us and we will verify you with questions
from your student or staff record. We will never ask for your password, by phone or by email. After
a reset, expect to re-enter the new password on your phone, laptop and on eduroam.
""",
    ),
    (
        "acct-password-after",
        "accounts",
        "Refreshing saved sign-ins on your devices",
        """
Phones, tablets, laptops and browsers keep a copy of your sign-in so that you do not have to type
it every time. When your password changes, whether you reset it, it expired or we asked you to
change it, every one of those saved copies becomes stale, and a device holding a stale copy behaves
as if the service were broken rather than asking politely for the new details. Worse, a forgotten
device that keeps retrying in the background can trigger a lock on your account. The fix is to
refresh each saved sign-in straight away: on every phone, tablet and laptop, remove the saved
wireless profile and join again; in every app that was signed in, sign out completely and sign in
again; in your browser, clear cookies for login.northbridge.ac.uk or use a private window once. On
personal Windows computers, also remove old entries from Credential Manager, and on Macs from
Keychain Access. If you changed it because you suspect misuse, also sign out of all sessions on the
My Sign-ins page.
""",
    ),
    (
        "acct-lockout",
        "accounts",
        "Account locked after too many failed sign-ins",
        """
To protect you from password-guessing attacks, your university account is locked for 30 minutes
after 10 failed sign-in attempts in a short period. During the lock you cannot sign in to any
university system, including email, Moodle and eduroam, and the message usually says "Your account
has been locked" or "Too many attempts". Wait 30 minutes, then sign in carefully once; the lock
clears by itself. You can also unlock immediately by resetting your password at
password.northbridge.ac.uk. If your account locks again and again even though you are not typing it
wrong, a device somewhere is still trying an old password, most often a phone or tablet connected
to eduroam or a mail app: update or remove it. The Service Desk can tell you which device and
network the failed attempts came from. Locks caused by suspicious activity from abroad are cleared
by the security team, not automatically.
""",
    ),
    (
        "acct-activate",
        "accounts",
        "Activating your university account",
        """
New students receive an email to their personal address with a link to activate their university
account once they have accepted their offer and completed online registration. New staff receive
the link from their manager or HR after their contract is confirmed. The activation page asks you
to confirm your date of birth and student or staff number, choose a password, and set up recovery
details and multi-factor authentication. Your username (for example abc123) and email address are
shown at the end; write them down. If the activation link has expired (links last 14 days), request
a new one from the same page with your student number. If the page says your record cannot be
found, registration may not be complete yet: check with Admissions or HR, since we cannot create
accounts before your record exists. Activation is needed before you can use eduroam, Moodle or
print.
""",
    ),
    (
        "acct-guest",
        "accounts",
        "Sponsored accounts for visitors and external collaborators",
        """
Visiting researchers, external examiners, contractors and collaborators who need more than guest
WiFi can have a sponsored account. A member of staff (the sponsor) requests it through the
Sponsored Account form, giving the visitor's name, personal email address, reason for access and an
end date of up to 12 months. The visitor receives an activation email and sets up a password and
multi-factor authentication like any other user. Sponsored accounts can have email, eduroam,
library e-resources, the cluster and Teams, but not Microsoft Office downloads or student systems.
The sponsor is responsible for the account and is reminded before it expires; it can be extended
for another year from the same form. For a one-off meeting, adding the visitor to a Teams meeting
or giving them UniGuest WiFi is usually enough.
""",
    ),
    (
        "acct-alumni",
        "accounts",
        "What happens to your account when you graduate",
        """
Your student account stays open for 90 days after your course end date, so you can save your work
and move on calmly. During that period download anything you want to keep from OneDrive and your
mailbox (Outlook can export a .pst file, or use the download option in OneDrive on the web), and
tell contacts your new address. Free Microsoft Office installed with your student account switches
to read-only mode once the account closes. After 90 days your email, OneDrive, Moodle and eduroam
access end and the data is deleted; we cannot recover it after that. Alumni can sign up for a free
lifelong alumni email forwarding address through the Alumni Office, and the library offers alumni
access to a small set of journals. If you continue to a postgraduate course here, your account
simply carries on.
""",
    ),
    (
        "acct-leavers",
        "accounts",
        "Leaving the University as a member of staff",
        """
When a staff contract ends, the account is disabled at midnight on the last working day recorded by
HR, and the mailbox and OneDrive are kept for 30 days before deletion. Before you leave, transfer
files that belong to your work to a shared drive or Teams site so colleagues can find them, set an
automatic reply giving a contact, and hand back University laptops and phones to your local IT
support. Your line manager can request access to your mailbox after you have left for business
continuity. Researchers who continue to collaborate can keep access as a sponsored account,
requested by a current member of staff. Emeritus and honorary staff keep their account through
their department's honorary appointment process. If your leaving date changes, ask HR to update it;
the Service Desk cannot override the HR date.
""",
    ),
    (
        "acct-name-change",
        "accounts",
        "Changing your name or email address on your account",
        """
The name on your university account, email address and Teams profile comes from your student or
staff record. To change it, update your record first: students through the Student Portal (Personal
Details, Preferred Name), staff through HR. Preferred names appear in Teams, Outlook and Moodle
within two working days. A change of legal name can also change your email address on request; your
old address keeps receiving mail as an alias for a year. Your username (abc123) never changes,
because it is linked to files, permissions and systems across the University. Your campus card
keeps the old name until you request a replacement card, which is free after a name change. If the
new name has not appeared after three working days, contact the Service Desk with your username.
""",
    ),
    # ----------------------------------------------------------------------------- mfa/security
    (
        "mfa-enrol",
        "security",
        "Setting up multi-factor authentication (MFA)",
        """
Multi-factor authentication protects your account even if someone learns your password. All
students and staff must register before they can use email and other Microsoft 365 services off
campus. Install Microsoft Authenticator on your phone, then go to mysignins.northbridge.ac.uk,
choose Security info and Add sign-in method, pick Authenticator app and scan the QR code. Add a
second method as a backup, for example a phone number for text messages or a second device. When
you sign in on a new device or from outside the University, you will see a number on screen and
type it into the Authenticator notification. You will not be asked every time; trusted devices are
remembered for 90 days. If you do not have a smartphone, a hardware token can be issued at the
Service Desk.
""",
    ),
    (
        "mfa-new-phone",
        "security",
        "Moving MFA to a new phone, or after losing your phone",
        """
Microsoft Authenticator does not move to a new phone by itself. If you still have the old phone, do
the move before you wipe it: sign in at mysignins.northbridge.ac.uk, choose Security info, Add
sign-in method, Authenticator app, and scan the code with the new phone; approve a test sign-in,
then delete the old phone from the list. If the old phone is lost, broken or already reset, the
registration still points at the old device. Use a backup method if you registered one (a text
message to another number). Otherwise, contact the Service Desk: after we confirm your identity (in
person with photo ID, or on a video call), we clear your registered methods so you can set up the
new phone. iPhone users who restore from an encrypted iCloud backup can sometimes recover accounts
automatically, but our account usually still needs to be re-verified.
""",
    ),
    (
        "mfa-token",
        "security",
        "MFA without a smartphone: hardware tokens and phone calls",
        """
You do not need a smartphone to use multi-factor authentication. The options are: a text message or
voice call to any mobile or landline number, which you add under Security info; or a hardware
token, a small key-ring device that shows a six-digit code when you press its button. Tokens are
free for anyone who cannot or does not want to use a personal phone for work, and are issued at the
IT Service Desk with photo ID; staff can also order them for their team. A token must be activated
at the desk before use. If you work in a place where phones are not allowed, such as some
laboratories or secure rooms, a token is the recommended option. Lost tokens should be reported
straight away so we can disable them; replacements are free once a year.
""",
    ),
    (
        "mfa-unexpected",
        "security",
        "I am getting MFA approval requests I did not ask for",
        """
If your Authenticator app asks you to approve a sign-in that you did not start, do not approve it.
An unexpected request almost always means someone else has your password and is trying to get in;
they may send many requests in the hope that you tap Approve to make them stop. Choose Deny and,
when asked, report it as fraud. Then change your password straight away at
password.northbridge.ac.uk and tell the Service Desk, who will check recent sign-ins on your
account. Because the app now asks you to type a number shown on the sign-in screen, you should
never be able to approve a request without seeing that screen yourself. Occasionally a request
comes from one of your own devices after a password change, for example a tablet at home; if the
location shown is your home town, check your devices before raising an alarm.
""",
    ),
    (
        "sec-phishing",
        "security",
        "Recognising and reporting phishing emails",
        """
Phishing messages try to rush you into clicking a link or opening an attachment before you have
time to think. They often pretend to come from IT Services, a senior manager, a bank or a delivery
company, use the University logo, and say something must be done today or there will be
consequences: a mailbox that is about to be closed, a document waiting to be signed, an invoice to
pay. The University never asks you to type your password into a page you reached from a message,
and IT Services never threatens to close anything by email. Before clicking, hover over links to
see the real address, and check for the banner "This message came from outside the University".
Report suspicious messages with the Report button in Outlook, which sends them to the security team
and removes them from your inbox; we block the same message for everyone else. If you already
entered your details on a suspicious page, change your password at once and contact the Service
Desk. Gift-card requests from a "manager" are always fraud.
""",
    ),
    (
        "sec-compromised",
        "security",
        "If you think your account has been hacked",
        """
Signs that someone else is using your account include sent emails you did not write, new inbox
rules that move or forward messages, contacts receiving strange messages from you, and sign-in
alerts from places you have never been. Act quickly: change your password from a device you trust,
sign out of all sessions on the My Sign-ins page, check Security info for phone numbers or apps
that are not yours and remove them, and look under Outlook Settings, Rules and Forwarding for
anything you did not create. Then contact the Service Desk and say your account may be compromised,
so the security team can review the activity and, if needed, warn the people who received messages.
If money or personal data may be involved, also tell your line manager or supervisor. Being caught
by a convincing phishing email is common and we will not blame you.
""",
    ),
    (
        "sec-antivirus",
        "security",
        "Antivirus and security software on your devices",
        """
University-managed Windows and Mac computers are protected by Microsoft Defender for Endpoint,
which is installed and updated automatically; do not install a second antivirus product on them, as
the two interfere and can slow the computer down badly. On your own devices, the built-in Microsoft
Defender on Windows and the built-in protections on macOS are enough for most people, provided you
install updates promptly. Free third-party security suites often add browser extensions and web
shields that break University sign-in pages or the VPN. If Defender warns about a file from a
University system, do not open it and report it to the Service Desk. Staff who need an exception
for research software that is flagged incorrectly can ask for one with the file name and the full
warning text.
""",
    ),
    (
        "sec-encryption",
        "security",
        "Encrypting laptops and USB drives",
        """
Laptops used for University work must be encrypted so that a lost or stolen device does not become
a data breach. University-managed laptops are encrypted automatically with BitLocker (Windows) or
FileVault (macOS); you may be asked for a recovery key after a hardware change, and the Service
Desk can give it to you once we confirm your identity. On a personal laptop that holds research or
personal data, switch on BitLocker or FileVault yourself and store the recovery key in your
OneDrive. USB drives that carry personal or sensitive data must be encrypted too; the Service Desk
sells encrypted drives with a keypad, or you can use BitLocker To Go. Better still, keep the data
in OneDrive or Research Data Storage and share a link instead of carrying a copy. Report a lost
device that held University data on the same day.
""",
    ),
]

ARTICLES += [
    # ----------------------------------------------------------------------------- email
    (
        "email-outlook-setup",
        "email-calendar",
        "Setting up your university email in Outlook on a computer",
        """
Your university mailbox is in Microsoft 365. The quickest way to read it is Outlook on the web: go
to outlook.office.com and sign in with abc123@northbridge.ac.uk. To use the Outlook desktop app,
install Microsoft 365 (free for students and staff), open Outlook and enter your university email
address; it finds the settings automatically and asks you to sign in through the University page.
On a Mac, the Apple Mail and Calendar apps also work: add an account of type Microsoft Exchange and
choose Sign In, not Configure Manually. Older programs that ask for a server name and password
(IMAP) are not supported, because they cannot do multi-factor authentication. If Outlook keeps
asking for your password, sign out of all Office apps under File, Account, Sign out, close them,
and sign in again. A new profile fixes most other problems.
""",
    ),
    (
        "email-phone",
        "email-calendar",
        "University email and calendar on your phone",
        """
The supported app for university email on phones is Microsoft Outlook for iOS and Android. Install
it, add your university address and sign in; approve the multi-factor request. Your mail, calendar
and contacts appear within a few minutes. The built-in iPhone Mail app and Gmail app can also
connect using the Exchange or Microsoft 365 option, but they do not support every feature, and
because of a security policy they must be signed in again whenever your password changes. When you
add a university account to your phone, you may be asked to accept a device policy that requires a
screen lock; this protects your mail if the phone is lost and does not let us see your personal
data. If mail stops arriving on the phone while it still works on a computer, remove the account
from the phone and add it again.
""",
    ),
    (
        "email-quota",
        "email-calendar",
        "Mailbox full: checking and reducing your mailbox size",
        """
Student and staff mailboxes hold 50 GB. When a mailbox passes 49 GB, Outlook shows a yellow bar
warning that it is almost full, and at 50 GB you can no longer send messages until you make space.
To see what is using the space, go to Outlook on the web, Settings, General, Storage, which lists
folders by size. The quickest wins are emptying Deleted Items and Junk, deleting old messages with
large attachments (search for "size:>10MB"), and saving attachments to OneDrive before deleting the
mails. Staff can turn on the online archive, which adds up to 100 GB and moves mail older than two
years automatically. Shared mailboxes have their own limit and are managed by their owners.
""",
    ),
    (
        "email-shared-mailbox",
        "email-calendar",
        "Using a shared mailbox or a team calendar",
        """
Shared mailboxes such as admissions@ or a lab's bookings@ address are used by teams who answer mail
together. The owner of the mailbox (usually the team leader) grants access through the Shared
Mailbox form; access appears in Outlook automatically within a couple of hours, under your own
mailbox in the folder list. To send as the shared address, click From in a new message and choose
it; if From is not visible, switch it on under Options. In Outlook on the web, right-click Folders,
choose Add shared folder or mailbox and type its address. Sent items are saved in the shared
mailbox so the whole team can see replies. Shared mailboxes do not have passwords of their own;
never ask for one. New shared mailboxes are requested by staff through the same form.
""",
    ),
    (
        "email-forwarding",
        "email-calendar",
        "Automatic replies and forwarding your university email",
        """
To set an out-of-office message, open Outlook on the web, go to Settings, Mail, Automatic replies,
switch it on and write separate messages for people inside and outside the University if you like.
You can set start and end dates so it turns itself off when you return. In the Outlook desktop app,
use File, Automatic Replies. Automatic forwarding of all your university mail to a personal address
outside the University is blocked for staff for data-protection reasons, and rules that try to
forward will fail silently; students can forward mail to another address under Settings, Mail,
Forwarding. To have specific messages moved or flagged, use Rules instead. If people say they get
no automatic reply from you, check that external replies are switched on.
""",
    ),
    (
        "email-calendar-booking",
        "email-calendar",
        "Sharing your calendar and booking meeting rooms",
        """
In Outlook you can share your calendar with colleagues so they see when you are free or the full
details of your appointments. On the web, open Calendar, select Share, enter their name and choose
"Can view when I'm busy", "Can view titles and locations", "Can view all details" or "Can edit". To
book a bookable meeting room, create a meeting, click Room Finder (or Browse more rooms) and choose
a building; free rooms are shown and the room accepts or declines automatically. Teaching rooms are
booked through Timetabling, not Outlook. If colleagues only see you as "busy" with no details, it
is because sharing defaults to free/busy. Calendars of people outside the University can be added
by subscribing to an .ics link they send you.
""",
    ),
    (
        "email-junk",
        "email-calendar",
        "Missing emails: junk folder and quarantine",
        """
If you expected an email that has not arrived, check your Junk Email folder first, then the Other
tab if Focused Inbox is on, and any rules you have set up. Messages that our filters think are
dangerous are held in quarantine instead: you receive a daily quarantine summary listing them, and
can release a legitimate message from the link in that summary or at
security.microsoft.com/quarantine. If messages from a particular sender keep going to junk, add
them to Safe Senders under Settings, Mail, Junk email. Emails with certain attachment types (.exe,
.js, password-protected zip files) are blocked for everyone; ask the sender to share the file
through OneDrive instead. If nothing arrives from anyone, check your mailbox is not full. The
Service Desk can trace a message if you give us the sender's address and approximate time.
""",
    ),
    (
        "email-lists",
        "email-calendar",
        "Mailing lists and all-staff or all-student emails",
        """
The University uses two kinds of mailing lists. Microsoft 365 groups are simple lists that staff
can create and manage themselves in Outlook, suitable for a research group or a committee. Larger
lists, including those for whole schools, year groups and all staff, are managed by Communications
and are only available to approved senders; messages from other people are returned or held for
moderation. Students are added to their course and year lists automatically from the student record
and cannot leave them, since they carry timetable and exam information. To send to a whole cohort,
ask your programme administrator. External people can be added to a Microsoft 365 group as guests
by its owner. To stop receiving a voluntary list, use the unsubscribe link at the bottom of its
messages.
""",
    ),
    # ----------------------------------------------------------------------------- teams/zoom
    (
        "teams-start",
        "teams-zoom",
        "Getting started with Microsoft Teams",
        """
Microsoft Teams is the University's main tool for chat, online meetings and group work. Install the
Teams app on your computer and phone (free with your account) or use teams.microsoft.com, and sign
in with your university address. Teams created for modules appear automatically when you are
enrolled; staff can create teams for research groups and committees from the Teams app, and each
team comes with a shared file area in SharePoint. Use channels to keep conversations about
different topics apart, and @mention people to make sure they see a message. If you have several
accounts (for example a personal Microsoft account), check the profile picture in the top-right to
make sure you are signed in with the university one; many "I can't see my team" problems come from
being in the wrong account.
""",
    ),
    (
        "teams-audio",
        "teams-zoom",
        "Fixing sound and video problems in Teams calls",
        """
Most audio problems in Teams calls are caused by the wrong device being selected. During a call,
open More, Settings, Device settings and choose the headset or microphone you actually want; the
test call under Settings, Devices lets you hear yourself back. If others cannot hear you, check the
physical mute switch on your headset and that Teams has microphone permission in your operating
system's privacy settings. If you cannot hear others, check the speaker selection and the volume
mixer. Echo usually means someone is using laptop speakers with a microphone nearby. Close other
apps that use the camera or microphone, such as Zoom, and update Teams. Turning off your incoming
video helps a weak computer. Teams recommends at least 1.5 Mbps up and down for video calls; run a
speed test if the picture freezes.
""",
    ),
    (
        "zoom-account",
        "teams-zoom",
        "Using your university Zoom account",
        """
Staff and students have a licensed Zoom account with no 40-minute limit on meetings. To use it,
open the Zoom app, choose Sign in with SSO and enter the domain northbridge (so the address is
northbridge.zoom.us), then sign in with your university account. If you previously created a free
Zoom account with your university email address, Zoom asks you to confirm the switch to the
University account by email; accept it and your meetings move across. Meetings scheduled while
signed in to a free account still have the 40-minute limit, so check the top of the app shows
"Licensed". Zoom is supported for teaching and research meetings with external partners who use
Zoom; for internal meetings we recommend Teams. Cloud recordings are kept for 120 days.
""",
    ),
    (
        "zoom-recording",
        "teams-zoom",
        "Recording lectures and meetings",
        """
Lectures in rooms with lecture capture are recorded automatically by Panopto if the module has
opted in; the recording appears in the Moodle course within a few hours. To record a Teams meeting,
choose More, Record and transcribe; the recording is saved to the organiser's OneDrive (or the
channel's SharePoint site) and shared with attendees. Zoom cloud recordings are available in the
Zoom web portal under Recordings and are kept for 120 days. Always tell participants before you
start recording, and do not record one-to-one meetings with students about personal matters.
Editing tools in Panopto let you trim the start and end or add captions. A lecture that was not
recorded cannot be recovered, so check the recording light on the lectern at the start.
""",
    ),
    (
        "teams-guests",
        "teams-zoom",
        "Inviting people from outside the University to Teams",
        """
You can meet with anyone in a Teams meeting: just add their email address to the meeting invite,
and they join from the link in a browser or the Teams app without needing an account. To work with
external people over a longer period, add them as guests to a team: team owners choose Add member
and type the person's email address. Guests can chat, join channel meetings and work on files in
that team, but not see other University teams. The guest receives an invitation email and must
accept it and sign in with a Microsoft account or a one-time code. If a guest says they cannot
access the team, ask them to use a private browser window, because they are often signed in with
another organisation's account. Guests are removed automatically after 12 months without activity.
""",
    ),
    (
        "teams-chat-missing",
        "teams-zoom",
        "Teams messages, files or notifications are missing",
        """
If Teams is not showing new messages or notifications, first check you are in the right account and
not in a guest organisation (use the organisation switcher in the top-right). Clearing the Teams
cache fixes most display problems: quit Teams completely, delete the folder
%appdata%\\Microsoft\\Teams on Windows or ~/Library/Group Containers/UBF8T346G9.com.microsoft.teams
on macOS, and start Teams again. On phones, check notifications are allowed in the operating system
settings and that Teams is not restricted by battery saving. Files shared in a channel are stored
in the team's SharePoint site; if a file says it is locked or you cannot edit it, someone else may
have it open in the desktop app. Chat history is kept for seven years.
""",
    ),
]

ARTICLES += [
    # ----------------------------------------------------------------------------- storage
    (
        "store-onedrive",
        "storage",
        "OneDrive: your personal file storage",
        """
Every student and member of staff has 1 TB of OneDrive storage with their university account. It is
the recommended place for your own work: files are available on any device, older versions are kept
automatically, and you can share a file or folder with a link. Install the OneDrive app (already on
University computers) and sign in with your university address; choose which folders to sync, and
use "Files On-Demand" so large folders do not fill your laptop's disk. On Windows you can also back
up Desktop, Documents and Pictures to OneDrive automatically under Settings, Sync and backup. Files
in OneDrive belong to you while you are here; work that your team needs after you leave should go
in a Teams or SharePoint site instead. OneDrive is approved for personal data but not for data
classified as highly restricted.
""",
    ),
    (
        "store-onedrive-sync",
        "storage",
        "OneDrive is not syncing",
        """
If the OneDrive cloud icon shows a red cross, a pause symbol or a message such as "Sync pending",
click it to see the reason. The usual causes are: you are signed out (sign in again, especially
after a password change); a file name contains characters OneDrive does not allow or the path is
longer than 400 characters; a file is open in another program; or your computer's disk is full.
Files larger than 250 GB cannot be uploaded. If OneDrive is stuck, choose Settings, Pause syncing,
then Resume; if that does not help, reset it by running onedrive.exe /reset on Windows. Resetting
does not delete anything. Make sure you are not syncing the same library twice (for example a Teams
folder added as a shortcut and also synced), which creates duplicate "-copy" files. Large
first-time syncs over WiFi can take many hours.
""",
    ),
    (
        "store-hdrive",
        "storage",
        "Your H: drive (home drive): quota and cleaning up",
        """
When you sign in to a University lab or library computer, your H: drive (home drive) is connected,
and your Windows profile lives on it: the Desktop, Documents, application settings and the browser
profile, so they follow you to any computer. Students have 10 GB. The profile is copied down at
sign-in and written back at sign-out, and when the drive is at its quota that round trip fails:
Windows falls back to a temporary profile, application settings cannot be written, and changes are
discarded. Check your usage in File Explorer by right-clicking H: and choosing Properties. To free
space, move large files to OneDrive, empty the recycle bin on H:, and delete old folders such as
Downloads and cached installers. If the drive is too full to work with, use the Self-Service
portal's "Reset my lab profile" option, which keeps your files and rebuilds the profile. Staff home
drives are 50 GB and can be increased on request.
""",
    ),
    (
        "store-backup",
        "storage",
        "Backing up your own laptop",
        """
University servers, OneDrive and Research Data Storage are backed up by us; your own laptop is not.
Losing a laptop the week before a deadline is one of the most common disasters we see, so set up a
backup now. The simplest approach is to keep your work in OneDrive, which keeps the latest version
of every file in the cloud and older versions for 30 days. In addition, or if you cannot use
OneDrive, use Time Machine on a Mac or File History on Windows with an external drive, and plug the
drive in at least once a week. A good rule is three copies, on two different kinds of storage, with
one copy away from your laptop. Test your backup by restoring a file now and then. Backups of
research data with personal information must be encrypted.
""",
    ),
    (
        "store-rds",
        "storage",
        "Research Data Storage (RDS) for projects",
        """
Research Data Storage (RDS) is secure, backed-up network storage for research projects, with 5 TB
free per project and more at cost. Principal investigators apply through the RDS request form,
naming the project, its members and whether it holds personal or sensitive data. The project
appears as a network drive (\\\\rds.northbridge.ac.uk\\project-name) on University computers and
can be mapped on personal ones while connected to campus or the VPN; it is also mounted on the
Hawthorn cluster at /rds/project-name. Snapshots are taken every night and kept for 30 days, so you
can restore deleted files yourself from the Previous Versions tab. Data can be shared with external
collaborators through Globus. At the end of the project, RDS data should be archived or deposited
in the Research Data Repository.
""",
    ),
    (
        "store-restore",
        "storage",
        "Recovering a deleted or overwritten file",
        """
How to get a file back depends on where it was. In OneDrive or a Teams or SharePoint site, open the
Recycle bin on the web: deleted files stay there for 93 days. To go back to an earlier version of a
file you overwrote, right-click it in OneDrive and choose Version history. On your H: drive or a
departmental shared drive, right-click the folder, choose Properties, then Previous Versions, and
open a snapshot from the last 30 days. Research Data Storage works the same way. Files saved only
on a lab computer's local disk (C: or the Desktop when you are signed in with a temporary profile)
are wiped at logout and cannot be recovered. Files on your own laptop can only be recovered from
your own backups. If a whole folder or team site has gone, contact the Service Desk as soon as
possible.
""",
    ),
    (
        "store-share-external",
        "storage",
        "Sharing files with people outside the University",
        """
To share files with an external collaborator, use OneDrive or a SharePoint site and choose Share,
then "Specific people" and enter their email address. They receive a link and verify themselves
with a one-time code sent to that address; they do not need an account. You can allow editing or
view only, set an expiry date and block downloads. "Anyone with the link" sharing is switched off
for staff because links get forwarded. For very large research datasets, use Globus from Research
Data Storage. Do not email attachments containing personal data; share a link instead so that
access can be removed later. If an external person cannot open a shared file, ask them to open the
link in a private browser window and check their junk mail for the verification code.
""",
    ),
    # ----------------------------------------------------------------------------- software
    (
        "sw-matlab",
        "software",
        "Installing MATLAB with the University licence",
        """
Students and staff can install MATLAB and all toolboxes on their own computers under the
University's Campus-Wide Licence. Go to mathworks.com, create a MathWorks account with your
university email address, then download the installer and sign in during installation; the licence
is detected from your email address. This individual installation needs to be renewed once a year
by signing in again. If activation fails, check that your MathWorks account uses your university
address and that "Campus-Wide" is listed under My Licenses; a personal account created with another
email address cannot see the University licence. Toolboxes can be added later with the Add-On
Explorer without reinstalling. MATLAB Online and MATLAB Drive are also included. University
computers already have MATLAB installed in Software Center.
""",
    ),
    (
        "sw-spss",
        "software",
        "IBM SPSS Statistics for students and staff",
        """
SPSS Statistics is available on all lab computers and can be installed on your own Windows or Mac
computer. Download it from the Software Downloads page, run the installer and, when asked for the
licence type, choose "Authorized user license" and paste the code shown on the download page. Codes
are renewed every August; when your SPSS says the licence has expired, return to the page for the
new code and enter it in the License Authorization Wizard. Staff on University computers get SPSS
from Software Center, already licensed, and do not need a code. If you cannot install software on
your computer, SPSS is available through the remote desktop service. SPSS on Apple silicon Macs
needs version 29 or later.
""",
    ),
    (
        "sw-office",
        "software",
        "Microsoft Office (Microsoft 365 Apps) for free",
        """
Students and staff can install the full Microsoft 365 Apps (Word, Excel, PowerPoint, Outlook,
OneNote and Teams) on up to five computers and five phones or tablets. Sign in at office.com with
your university address, choose Install apps and run the installer. The first time you open an app,
sign in with the same address to activate it. If Word or Excel shows "Unlicensed Product" or
"Product Deactivated", you are either signed in with a personal Microsoft account or the licence
has not refreshed: open File, Account, sign out of every account listed, close all Office apps and
sign in again with the university one. The apps check your licence every 30 days, so a laptop that
stays offline for a long time will eventually go into reduced-functionality mode. When you leave
the University, the apps stop allowing editing.
""",
    ),
    (
        "sw-arcgis",
        "software",
        "ArcGIS Pro and QGIS for mapping",
        """
ArcGIS Pro is available on lab computers in the Geography building and the Main Library, and
students and staff on mapping modules can install it on their own Windows computers. Request a
named-user licence through the Software Request form; once it is assigned, sign in to ArcGIS Pro
with "Your ArcGIS organization's URL", entering northbridge.maps.arcgis.com. ArcGIS Pro does not
run on macOS; use the remote desktop service, a Windows virtual machine, or the free QGIS, which
runs everywhere and covers most coursework needs. Older teaching computers in departments still use
a concurrent licence from the campus licence server. Large datasets should be kept on a local disk
or OneDrive folder that is fully synced, because ArcGIS projects on network drives are slow.
""",
    ),
    (
        "sw-nvivo",
        "software",
        "NVivo for qualitative research",
        """
NVivo is licensed for staff and research students for qualitative data analysis. Download it from
the Software Downloads page; the page also shows the licence key to enter when NVivo starts. Taught
students can use NVivo on lab computers in the Social Sciences building or through the remote
desktop service. NVivo projects should be stored on your own computer's disk while you work on them
and copied to OneDrive or Research Data Storage as a backup; opening a project directly from a
synced or network folder can corrupt it. NVivo for Mac and for Windows use different project
formats, so agree on one platform with your collaborators, or use NVivo Collaboration Cloud.
Interview recordings with personal data must be kept on approved storage.
""",
    ),
    (
        "sw-adobe",
        "software",
        "Adobe Creative Cloud and Acrobat",
        """
Adobe Acrobat Pro is available to all staff through Software Center and to students on lab
computers. The full Creative Cloud suite (Photoshop, Illustrator, InDesign, Premiere Pro) is
licensed for students on creative courses and for staff who need it for their role; request a
licence through the Software Request form, giving your course or reason. Once assigned, sign in to
the Creative Cloud desktop app with your university email address and choose "Company or School
account". If Adobe says your trial has expired or asks you to buy a plan, you are signed in with a
personal Adobe ID: sign out and sign in with the school account. Students on other courses can use
Adobe Express for free, and Creative Cloud is installed in the Media Lab.
""",
    ),
    (
        "sw-software-center",
        "software",
        "Installing software on a University-managed computer",
        """
University-managed Windows computers have Software Center, and Macs have Self Service, where you
can install approved software yourself without administrator rights: open it from the Start menu or
Applications, search for the program and click Install. Hundreds of titles are available, including
statistics packages, programming tools, reference managers and specialist teaching software. If
what you need is not listed, submit a Software Request; we check the licence and security and add
it for everyone, normally within ten working days. Free software for research that is not in the
catalogue can often be packaged quickly if you give us the download page. An install that fails in
Software Center usually needs a restart first; if it still fails, send the error code to the
Service Desk.
""",
    ),
    (
        "sw-admin-rights",
        "software",
        "Requesting administrator rights on a University computer",
        """
Staff and research students do not have administrator rights on University-managed computers by
default, which protects the computer and the network. For most software, use Software Center or
Self Service. If you regularly need to install or update research tools that are not available
there, you can request an administrator account: fill in the Admin Rights form with a reason and
your line manager's or supervisor's approval. Once granted, you receive a separate admin account
(abc123-adm) that you use only when Windows or macOS asks for an administrator; never browse or
read email with it. Admin rights are reviewed every year. Short-term help with a single
installation is quicker through a Service Desk ticket.
""",
    ),
    (
        "sw-reference",
        "software",
        "Reference managers: EndNote, Zotero and Mendeley",
        """
The library supports EndNote and Zotero for managing references in essays and theses. EndNote 21 is
installed on lab computers and can be installed on your own computer from the Software Downloads
page for free. Zotero is free for everyone and works on Windows, macOS and Linux with a browser
connector that saves references from library catalogues and journal websites. Both have plugins for
Word that insert citations and build your bibliography in any style. Mendeley is no longer
supported by the library. Keep your library backed up: EndNote libraries should not be stored in
OneDrive or other synced folders while open, because syncing can corrupt them; Zotero syncs itself.
The library runs regular workshops on both tools.
""",
    ),
    # ----------------------------------------------------------------------------- labs
    (
        "lab-login",
        "lab-computers",
        "Signing in to lab and library computers",
        """
All open-access computers on campus use your university username and password. Type your username
on its own (abc123) at the sign-in screen. The first sign-in on a computer takes a few minutes
while your profile is prepared; later sign-ins are faster. Computers lock after 15 minutes without
activity and sign you out after 30 minutes locked, closing any unsaved work, so always save to
OneDrive or your H: drive. If the computer says "The trust relationship between this workstation
and the primary domain failed" or will not accept any password, use a different computer and report
the machine number on the sticker. Your account must have been activated and you must have accepted
the IT regulations during activation. Remember to sign out when you leave.
""",
    ),
    (
        "lab-find",
        "lab-computers",
        "Finding a free computer on campus",
        """
The Find a PC page on the IT website and in the University app shows how many computers are free
right now in every open-access room, library floor and lab, with opening hours and which software
each room has. The Main Library has the most computers and is open 24 hours during term; the
Engineering Library and the Learning Hub have quieter rooms. Some labs are booked for teaching at
certain times, shown on a screen at the door; you may use free computers in a booked lab only if
the tutor agrees. If you need a computer for a long session, for example to run SPSS or ArcGIS for
coursework, check Find a PC before you set out, and remember that many programs are also available
from home through the remote desktop service.
""",
    ),
    (
        "lab-remote",
        "lab-computers",
        "Using lab software from home: remote desktop and AppsAnywhere",
        """
You can use most lab software from your own computer without installing it. AppsAnywhere, at
apps.northbridge.ac.uk, streams many Windows programs (including SPSS, ArcGIS Pro, NVivo and Stata)
to University and personal Windows computers. For everything else, the remote desktop service gives
you a full lab computer in your browser or the Windows App: sign in at desktop.northbridge.ac.uk
with your university account. Both work off campus without the VPN. Sessions end after two hours
without activity, so save your work to OneDrive or H: regularly. Performance depends on your
connection; a wired connection is best for graphics-heavy programs. Files on your own computer can
be reached by allowing local drive access when you connect. During exam periods, priority is given
to students with remote exams.
""",
    ),
    (
        "lab-linux",
        "lab-computers",
        "Linux computers in the Computer Science labs",
        """
The Computer Science labs on floors 1 and 2 of the Babbage Building run Ubuntu Linux. Sign in with
your university username and password; your Linux home directory is separate from your Windows H:
drive but both are backed up. You can install Python packages with pip install --user or in a
virtual environment, and conda is available under /opt/conda. Programs installed system-wide are
managed by the department; ask the lab technicians to add one. The Linux lab computers can be
reached remotely with SSH through the school's gateway, ssh.cs.northbridge.ac.uk, which only
accepts keys; long-running processes on lab machines are killed overnight, so use the Hawthorn
cluster for heavy computation. GPUs in lab 2.05 are for teaching and are booked through the module.
""",
    ),
    (
        "lab-saving",
        "lab-computers",
        "Where to save your work on lab computers",
        """
Work saved in the wrong place on a lab computer is lost when you sign out. Save to OneDrive (the
folder called "OneDrive - Northbridge University" in File Explorer) or to your H: drive; both
follow you to any computer and are backed up. The local C: drive and anything saved while you were
signed in with a temporary profile are wiped when you sign out. USB memory sticks work, but they
are easily lost and often corrupted when pulled out without ejecting; do not keep the only copy of
your work on one. Save regularly, especially before leaving your seat, since the computer signs you
out after 30 minutes locked. If a program offers a default folder that is not OneDrive or H:,
browse to one of these instead.
""",
    ),
    (
        "lab-specialist",
        "lab-computers",
        "Specialist computer labs and their software",
        """
Some rooms have software that is not on every computer: the Media Lab in the Arts Building has
Adobe Creative Cloud, Final Cut Pro and audio editing suites on iMacs; the Engineering design lab
has SolidWorks, Ansys and AutoCAD; the Geography lab has ArcGIS Pro and ENVI; the Psychology lab
has E-Prime and PsychoPy set up for experiments. Check the software list for each room on the Find
a PC page before you go. Access to some specialist labs is restricted to students on the relevant
courses and opens with your campus card. Requests for new software in a specialist lab should come
from the module leader at least eight weeks before teaching starts, so it can be tested and
installed over the summer.
""",
    ),
]

ARTICLES += [
    # ----------------------------------------------------------------------------- moodle
    (
        "lms-login",
        "moodle",
        "Getting into Moodle",
        """
Moodle, the University's virtual learning environment, is at moodle.northbridge.ac.uk. Choose "Log
in with your university account" (not the guest or manual login box, which is only for external
examiners) and sign in as you would for email. New students can use Moodle from the day their
account is activated, but module pages only appear once you are enrolled on modules, so the
dashboard may be empty in the first week. Moodle works in any current browser; if the page is blank
or a button does nothing, try a different browser or switch off ad blockers for the site. Moodle is
unavailable during the monthly maintenance window (first Tuesday, 7 to 9 am), announced on the
login page. Staff and students with accessibility needs can change fonts and colours from the
Accessibility tool in the Moodle menu.
""",
    ),
    (
        "lms-missing-course",
        "moodle",
        "A module is missing from my Moodle dashboard",
        """
Moodle module pages are created from the student record: when you are registered on a module in the
Student Portal, you are enrolled on its Moodle page within 24 hours. If a module is missing, first
check My courses rather than the Dashboard, and the "Hidden from view" filter. Then check the
Student Portal: if the module is not listed there, your registration is incomplete and your
programme administrator must fix it; the Service Desk cannot enrol you. Some module pages are
hidden from students until the module leader makes them visible, usually a week before teaching
starts. Modules from previous years stay in your list under Past. If you changed modules recently,
the old page disappears and the new one appears the next day. Staff who need to be added to a
module page as a teacher should ask the module leader.
""",
    ),
    (
        "lms-submit",
        "moodle",
        "Submitting an assignment in Moodle and Turnitin",
        """
Most coursework is submitted through an assignment link on the module's Moodle page. Open the link,
click Add submission, drag your file into the box (usually a Word document or PDF, check the
instructions), tick the declaration and click Save changes. If the assignment requires it, click
Submit assignment as well: work left as "Draft (not submitted)" is not marked. When the submission
is complete, the status shows "Submitted for grading" and you receive a receipt by email; keep it.
Assignments that use Turnitin show a similarity report, which can take up to 24 hours to appear for
a resubmitted file. File size is limited to 100 MB; compress videos or share them by a OneDrive
link if your tutor allows it. Submit well before the deadline: the deadline time is exact to the
minute.
""",
    ),
    (
        "lms-submit-problem",
        "moodle",
        "A Moodle submission failed or is late because of a technical problem",
        """
If you cannot submit before a deadline because of a technical problem, take screenshots showing the
error and the time, and email the file to your programme administrator or module leader before the
deadline passes; this is your evidence. Then report the problem to the Service Desk, who can check
Moodle's logs and confirm whether there was an outage. Moodle keeps a record of every upload
attempt, so we can see if you tried in time. If the problem was on your own side, such as a broken
laptop or an internet outage at home, apply for an extension or mitigating circumstances through
the Student Portal; the IT Service Desk cannot change deadlines or late penalties. Outages of
Moodle itself are shown on the IT status page and deadlines are usually extended automatically.
""",
    ),
    (
        "lms-quiz",
        "moodle",
        "Moodle quizzes and online exams",
        """
Moodle quizzes save each answer when you move to the next page, so if your connection drops or the
browser closes, sign in again and continue the attempt where you left it; the timer keeps running
while you are away. Use a computer rather than a phone, close other tabs, and do not open the quiz
in two windows, because the second window can overwrite answers from the first. For timed online
exams, use a reliable connection (a wired connection if you have one) and do a practice quiz first
if the module offers one. If something goes wrong during an exam, email the exam contact given in
the instructions straight away with a screenshot, and keep working if you can. Students with extra
time arrangements have them applied to the quiz automatically by the exams office.
""",
    ),
    (
        "lms-app",
        "moodle",
        "The Moodle app on your phone",
        """
The official Moodle app for iOS and Android lets you read course materials, get notifications and
take part in forums on your phone. Install it, enter moodle.northbridge.ac.uk as the site address
and sign in with your university account; the app opens a browser for sign-in and then returns.
Downloaded course files are available offline. Some activities, including Turnitin assignments and
some quizzes, open in the browser instead of the app. If the app keeps asking you to log in or
shows "Invalid token", delete the site from the app and add it again. Push notifications can be
chosen under Preferences in the app. The app cannot be used for exams, which must be taken in a
browser on a computer.
""",
    ),
    (
        "lms-staff",
        "moodle",
        "Moodle for staff: module pages, roles and copying content",
        """
Every module in the curriculum gets a Moodle page automatically each academic year, created empty
in July. Module leaders are given the Teacher role; they can add other staff as teachers or
non-editing teachers from Participants. To reuse last year's materials, use Import from the course
administration menu and choose last year's page, selecting the activities to copy. Student
submissions and grades are not copied. Pages for non-curriculum purposes, such as programme
handbooks or training, can be requested through the Moodle Page Request form. The Digital Education
team runs drop-in sessions on gradebook setup, quizzes and accessibility, and reviews pages on
request before term. Visibility to students is controlled in the page settings.
""",
    ),
    # ----------------------------------------------------------------------------- onboarding
    (
        "onb-students",
        "onboarding",
        "IT essentials for new students: your first week",
        """
Welcome to Northbridge. Before or during your first week, work through this list. 1. Activate your
university account from the email sent to your personal address. 2. Set up multi-factor
authentication with the Microsoft Authenticator app. 3. Connect your phone and laptop to eduroam,
using your full username with @northbridge.ac.uk. 4. Install Microsoft 365 and sign in to OneDrive,
Outlook and Teams. 5. Log in to Moodle and check your modules appear (this can take until the end
of the first week). 6. Collect your campus card, which is your library card, door key and print
card. 7. Bookmark the IT Service Desk page and the status page. Drop-in help for new students runs
in the Main Library foyer throughout the first two weeks, with IT staff who can help with any
device.
""",
    ),
    (
        "onb-staff",
        "onboarding",
        "IT set-up for new staff",
        """
Your account is created when HR confirms your contract, and your manager receives your username and
a one-time activation link before your first day. On day one, activate the account, set up
multi-factor authentication and sign in to a University laptop or desktop provided by your
department's IT support; if none has been ordered, ask your manager. Read the IT regulations and
complete the mandatory information-security training in the staff learning system within your first
month. You get Outlook, Teams, OneDrive, access to your department's shared drives and Teams sites
(requested by your manager), a staff printing account and, if needed, a desk phone or mobile.
Research staff should also request Research Data Storage and cluster accounts early. Staff moving
between departments keep the same account.
""",
    ),
    (
        "onb-international",
        "onboarding",
        "Before you arrive: IT tips for international students",
        """
You can activate your university account and set up multi-factor authentication from anywhere, as
soon as you complete online registration. When you set up MFA, use a phone number you will keep, or
the Authenticator app, because a UK SIM card you buy after arrival will have a different number. If
you are still abroad when teaching starts, all core services (email, Moodle, Teams, OneDrive and
library e-resources) work over the internet without the VPN. Some countries block Microsoft or
Google services; in that case, ask the Service Desk about access while you wait for your visa. UK
plug sockets are type G, so bring an adapter for your laptop charger. Bank cards issued abroad can
be used to top up print credit online.
""",
    ),
    (
        "onb-pgr",
        "onboarding",
        "IT for new research students (PhD and MPhil)",
        """
Research students have the same IT services as other students plus some extras, and the first month
is the best time to set them up. Ask your supervisor whether your project will use Research Data
Storage or the Hawthorn cluster, and request access early, since both need approval. Postgraduate
researchers get a desk in a shared office with a University desktop or a docking station for a
laptop; the Graduate School allocates desks. Write a data management plan with the library's
template; it saves time later when you need storage, backups or ethics approval. Join the Research
Computing mailing list for training courses on Linux, Python, Git and the cluster. Keep your thesis
in OneDrive or RDS from day one; never only on a laptop.
""",
    ),
    (
        "onb-card",
        "onboarding",
        "Your campus card: library, doors and printing",
        """
Your campus card is your student or staff ID, library card, door key for buildings and labs after
hours, and the card you tap to release printing. Students collect it during registration week from
the Student Hub with photo ID; staff collect theirs from Security on the first day. A lost or
stolen card should be reported at once through the Card Office page, which cancels it; a
replacement costs 10 pounds (free if stolen with a crime reference number). The new card needs to
be linked again at a printer the first time you use it, and door access takes up to an hour to
update. If a door does not open for you, your access may not have been added for that building: ask
the building's reception. Cards are valid until the end of your course or contract.
""",
    ),
    # ----------------------------------------------------------------------------- hardware/AV
    (
        "hw-laptop-loan",
        "hardware-av",
        "Borrowing a laptop from the library",
        """
Laptop lockers on the ground floor of the Main Library and in the Learning Hub lend Windows laptops
for up to four hours, free of charge. Tap your campus card on the locker screen, accept the terms
and take the laptop from the door that opens. The laptops are set up like lab computers: sign in
with your university account and save your work to OneDrive, because the laptop is wiped when it is
returned. Return it to any locker before the loan ends; late returns block borrowing for a week,
and damage or loss is charged. Long-term laptop loans for students in financial hardship are
available through the Student Support fund. Chargers are in the lockers, and each laptop has
eduroam already set up.
""",
    ),
    (
        "hw-equipment-loan",
        "hardware-av",
        "Borrowing cameras, microphones and other equipment",
        """
The Media Loans desk in the Arts Building lends cameras, tripods, microphones, audio recorders,
lighting kits and VR headsets to students and staff for coursework, research and University events.
Browse and book online through the Media Loans catalogue up to two weeks ahead and collect at the
desk with your campus card; most items are loaned for up to three days. Some equipment requires a
short induction first, marked in the catalogue. Return equipment clean and complete, with batteries
charged, and report damage when you return it. Items not returned on time are charged to your
account and suspend further loans. For filming in University buildings, also ask the building
manager; for drones, contact Health and Safety.
""",
    ),
    (
        "hw-room-av",
        "hardware-av",
        "Teaching room AV: lectern PC, touch panel, microphones and hybrid mode",
        """
Every centrally bookable teaching room has a lectern PC, a projector or screen, and a touch panel
that controls them. Press the panel to wake the room, choose PC or Laptop as the source, and sign
in to the lectern PC with your own account. Larger rooms also have ceiling microphone arrays and a
lapel microphone. These feed the room's loudspeakers in Local mode only. To send them anywhere
else, switch the touch panel to Hybrid: the panel then routes the ceiling arrays and lapel
microphone into the lectern PC as the audio device "Room Audio (Echo 300)", which must be chosen as
the input and output in whatever conferencing or capture software you start. Without this, the
lectern PC falls back to the small webcam microphone on top of the screen. Lapel microphone
batteries are in the drawer under the lectern. For urgent help during a class, pick up the lectern
phone, which rings the AV team directly; they can usually fix things remotely.
""",
    ),
    (
        "hw-present-wireless",
        "hardware-av",
        "Presenting from your own laptop in a meeting or teaching room",
        """
You can show your own laptop's screen in most teaching and meeting rooms. Rooms with a Solstice or
ClickShare sign support wireless presenting: connect to eduroam, open the Solstice app or the
room's address shown on screen, and enter the code displayed. In rooms without wireless presenting,
use the HDMI or USB-C cable on the lectern marked "Laptop", then choose Laptop on the touch panel.
Macs may need to set display mirroring in System Settings, Displays. Laptops using USB-C need a
port that supports video; the lectern cable does. If the picture appears but there is no sound,
check that the laptop's sound output is set to the HDMI or display device. Guest presenters who are
not on eduroam can use the cable.
""",
    ),
    (
        "hw-staff-repair",
        "hardware-av",
        "Faults with a University laptop or desktop",
        """
If a University-managed laptop or desktop breaks, log a fault with the Service Desk, giving the
asset tag (a barcode sticker starting with NBU) and what happened. Hardware under warranty is
repaired by the supplier, usually within five working days, and your local IT team can lend you a
replacement laptop in the meantime. Because your files should be in OneDrive or shared drives, a
replacement can be set up quickly with your data. Do not take University equipment to a high-street
repair shop, and report accidental damage honestly: repairs are paid from the department's budget,
not by you. Laptops are replaced after five years; your department's IT contact can tell you when
yours is due. Lost or stolen University devices must be reported the same day.
""",
    ),
    (
        "hw-it-bar",
        "hardware-av",
        "Help with your own laptop or phone: the IT Bar",
        """
The IT Bar in the Main Library foyer offers free help with personal laptops, tablets and phones:
connecting to eduroam, installing Microsoft 365 and University software, printing set-up, and basic
checks when a device is slow, will not start or is infected with malware. It is open Monday to
Friday, 9 am to 5 pm, with no appointment needed. We cannot open devices, replace parts or recover
data from broken drives, but we can tell you what is wrong and where to get it repaired; the
Students' Union shop offers discounted repairs. Bring your charger and know your device passwords.
If your laptop breaks near a deadline, borrow one from the library lockers and tell your department
about it.
""",
    ),
    (
        "hw-buy-laptop",
        "hardware-av",
        "Choosing a laptop for your studies",
        """
Almost any laptop from the last four years is fine for most courses: you need a supported operating
system (Windows 11 or a recent macOS), 8 GB of memory (16 GB for programming, design or data-heavy
subjects), an SSD of at least 256 GB, and a battery that lasts through a few lectures. Chromebooks
and tablets work for notes, email and Moodle, but cannot install Office desktop apps, SPSS or
specialist software; the remote desktop service covers some of this. Engineering and design courses
using SolidWorks or Ansys need Windows, and ArcGIS Pro does not run on Macs. Check your
department's recommendations before you buy. Students can get education discounts from Apple, Dell
and Lenovo, and help with costs through the Student Support fund.
""",
    ),
    (
        "hw-hotdesk",
        "hardware-av",
        "Hot desks and docking stations for staff",
        """
Hot desks in staff hubs have a USB-C docking station connected to two monitors, a keyboard, a
mouse, a webcam and a wired network connection. Connect your University laptop with the single
USB-C cable and everything should appear within a few seconds. If the monitors stay black, unplug
the cable, wait ten seconds and plug it in again; make sure the laptop lid is open the first time.
Some older laptops need a display driver update from Software Center before they work with the
docks. Book hot desks through the desk booking app, and clear the desk at the end of the day.
Faulty docks or monitors should be reported with the desk number printed on the dock, not the
laptop's asset tag.
""",
    ),
    # ----------------------------------------------------------------------------- service desk
    (
        "gen-contact",
        "service-desk",
        "Contacting the IT Service Desk",
        """
The IT Service Desk helps students, staff and visitors with any IT question. The fastest way to get
help is the Self-Service portal, where you can log a ticket, follow its progress and search these
articles. You can also phone 01234 567 890 (Monday to Friday 8 am to 8 pm, weekends 10 am to 4 pm
during term) or visit the desk in the Main Library foyer. Outside these hours, urgent problems that
stop teaching or research can be reported by phone to the out-of-hours line. When you log a ticket,
include your username, what you were trying to do, the exact error message (a screenshot is ideal),
the device and where you were. We aim to reply within one working day. We will never ask for your
password.
""",
    ),
    (
        "gen-status",
        "service-desk",
        "IT service status and planned maintenance",
        """
The IT status page at status.northbridge.ac.uk shows whether University services such as email,
Moodle, eduroam, the VPN and the Hawthorn cluster are working normally, and lists known incidents
and planned maintenance. If a service is down for everyone, it appears there within minutes, and
you do not need to report it again, though you can subscribe to updates by email or text. Planned
maintenance happens outside teaching hours where possible; the cluster has a maintenance day on the
first Wednesday of every third month, when jobs are held and logins are disabled. If a service
seems broken for you but the status page shows it as working, the problem is probably with your
device or account: log a ticket and mention what you have tried.
""",
    ),
    (
        "gen-accessibility",
        "service-desk",
        "Assistive technology and accessibility software",
        """
Assistive software is available on every University computer and free to install on your own:
Read&Write (text-to-speech, spell checking and dictionary tools), Dragon speech recognition (from
the Assistive Technology room on request), ZoomText screen magnification, and Microsoft Immersive
Reader in Office and Teams. The Assistive Technology room in the Main Library has height-adjustable
desks, large monitors and ergonomic keyboards, and can be booked through the Disability Service.
Students with a Disabled Students' Allowance can get equipment and training through their needs
assessment. If a University system is difficult to use with your assistive technology, please tell
us; we test systems against accessibility standards and will look for a workaround.
""",
    ),
    (
        "gen-study-rooms",
        "service-desk",
        "Booking group study rooms in the library",
        """
The Main Library has 24 group study rooms for two to eight people, and the Learning Hub has 12
more. Book up to two hours a day, up to a week ahead, through the Library Room Booking page, and
check in on the screen outside the room within 15 minutes of the start, or the booking is released.
Each room has a large screen with an HDMI and USB-C cable for laptops and a whiteboard; rooms on
floor 3 also have a webcam and speakerphone for group calls. Rooms are for study, not for private
meetings or teaching. Noise levels on floors 1 and 3 are "quiet", the ground floor is "group" and
floor 2 is "silent". If a room's screen does not work, report it at the library help point.
""",
    ),
    (
        "gen-eresources",
        "service-desk",
        "Accessing library e-journals and databases from home",
        """
Most of the library's e-journals, e-books and databases can be used off campus without any extra
software. Start from the library search, or on a publisher's website choose "Access through your
institution" (or "Institutional login"), search for Northbridge University and sign in with your
university account. Browser extensions such as LibKey Nomad find the library's copy of an article
for you. A few older databases still check whether you are on the campus network; for these, the
library search shows "Campus/VPN only", and you need to connect the VPN first. If a publisher asks
you to pay for an article the library subscribes to, you are probably not signed in through the
institution; sign out of the publisher site and go through the library search instead.
""",
    ),
    (
        "gen-regulations",
        "service-desk",
        "IT regulations: what you may and may not do",
        """
By activating your account you agreed to the University IT regulations. In short: your account is
for you alone, so never share your password or let someone else use your sign-in; use University IT
for study, research, work and reasonable personal use; respect copyright, so no illegal downloading
or file-sharing of films, music or software; do not try to get around security controls, scan the
network or connect equipment that interferes with it, such as personal routers; and do not harass
others or access offensive material. Breaches can lead to your account being suspended and to
disciplinary action. Copyright complaints from rights holders are passed on to the account holder.
If you need to do something the regulations forbid for your research, such as security testing, ask
the Information Security team for approval in advance.
""",
    ),
]

ARTICLES += [
    (
        "vpn-travel",
        "vpn",
        "Working abroad: University systems while travelling",
        """
Most University services, including email, Teams, OneDrive and Moodle, work from anywhere with an
internet connection. Before a trip, make sure multi-factor authentication will still work: the
Authenticator app works without mobile signal, but text messages to a UK number may not arrive
abroad. Install and test the VPN before you go, since some services need it. A few countries block
Microsoft services, Google or VPN connections altogether, and taking encrypted laptops into some
countries needs an export licence; if you are travelling for fieldwork, check the travel guidance
and ask the Service Desk at least four weeks ahead. Staff travelling to high-risk destinations can
borrow a clean travel laptop. Public WiFi in hotels and airports is fine for University services,
which are all encrypted, but avoid logging in on shared computers.
""",
    ),
    (
        "hpc-gpu",
        "hpc",
        "Using GPUs on the cluster",
        """
Hawthorn has 48 NVIDIA A100 and 16 H100 GPUs in the gpu partition. Request one in your job script
with #SBATCH --partition=gpu and #SBATCH --gres=gpu:1 (up to four per job); jobs that ask for the
gpu partition but not for a GPU are rejected. Each research group has a monthly GPU-hour
allocation, shown by the gpuhours command. Load a CUDA toolkit with module load cuda/12.4, or use
the PyTorch and TensorFlow containers in /apps/containers, which include matching CUDA libraries.
If your program says no CUDA device is available, check that the job really asked for a GPU and
that you are not running on a login node, which has none. Use nvidia-smi inside the job to see how
busy your GPU is; a job that keeps a GPU idle for an hour is reported to you. For short
experiments, the gpu-short partition (maximum one hour) usually starts within minutes.
""",
    ),
]


# ---------------------------------------------------------------------------------------------
# Needs: each is one hidden information need (the article that solves it, graded 3) with the
# questions people type when they have it. ``related`` grades other articles for every question
# of the need; a question written as "tag|text" also gets the judgments of ``decoys[tag]``: the
# lexically attractive articles that do not solve it (grade 0 or 1). ``family`` defaults to the
# category of the solving article; trap needs name their trap family instead.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """One information need and the questions that express it.

    Attributes:
        need: slug of the article that solves it (judged 3).
        questions: the questions, each "text" or "tag|text" (see ``decoys``).
        related: slug -> grade (0-2) for every question of this need.
        family: trap family name; empty for ordinary needs (the category is used).
        decoys: tag -> {slug: grade} of lexically attractive articles for tagged questions.
    """

    need: str
    questions: tuple[str, ...]
    related: dict[str, int]
    family: str = ""
    decoys: dict[str, dict[str, int]] | None = None

    @property
    def trap(self) -> bool:
        """Whether this need belongs to a trap family."""
        return bool(self.family)


TRAPS: list[Need] = [
    Need(
        "wifi-library",
        family="drops-in-library",
        related={"wifi-eduroam-laptop": 1},
        decoys={
            "ssh": {"hpc-ssh-setup": 0, "hpc-ssh-keepalive": 1},
            "vpn": {"vpn-disconnects": 0, "vpn-install": 0},
            "teams": {"teams-audio": 1, "teams-start": 0},
            "zoom": {"zoom-account": 0, "teams-audio": 0},
            "rdp": {"lab-remote": 0},
            "quiz": {"lms-quiz": 1},
            "jupyter": {"hpc-ondemand": 0},
            "onedrive": {"store-onedrive-sync": 1},
            "vscode": {"hpc-ssh-setup": 0, "hpc-jump-host": 0},
        },
        questions=(
            f"ssh|{SARAH}",
            "ssh|Why is my SSH connection to the university server breaking so often? "
            "I'm in the library",
            "ssh|why does my ssh connection to the cluster keep breaking when im in the library",
            "ssh|ssh session freezes every few minutes, only when i work from the library "
            "reading room",
            "ssh|broken pipe on ssh constantly while sitting in the main library",
            "ssh|cant keep an ssh connection open in the libary for more than 10 mins, "
            "fine at home",
            "ssh|ssh to hawthorn hangs then dies, im at a desk by the windows in the reading room",
            "vpn|vpn disconnects all the time in the library",
            "vpn|globalprotect keeps reconnecting when i'm in the reading room",
            "vpn|vpn drops every few minutes on the library ground floor but works at home",
            "vpn|keep getting kicked off the vpn in the library, so annoying",
            "teams|teams call breaks up in the library",
            "teams|teams meeting keeps freezing in the library, people say i cut out",
            "teams|my voice is robotic on teams calls from the library",
            "teams|teams video keeps freezing in library, it's fine in the engineering building",
            "zoom|zoom keeps disconnecting me during seminars when i join from the library",
            "zoom|zoom lags really bad in the library reading room",
            "rdp|remote desktop keeps disconnecting when i use it in the library",
            "quiz|moodle quiz kicked me out twice while i was in the library!!",
            "jupyter|jupyter notebook on hawthorn loses connection every time im in the library",
            "onedrive|onedrive upload keeps failing in the library, stuck at 40%",
            "vscode|vs code remote ssh reconnecting over and over in the library",
        ),
    ),
    Need(
        "wifi-halls",
        family="drops-in-halls",
        related={"wifi-wired-ports": 1},
        decoys={
            "ssh": {"hpc-ssh-keepalive": 1, "hpc-ssh-setup": 0},
            "vpn": {"vpn-disconnects": 0},
            "teams": {"teams-audio": 1},
            "zoom": {"zoom-account": 0},
            "rdp": {"lab-remote": 0},
            "quiz": {"lms-quiz": 1},
            "onedrive": {"store-onedrive-sync": 1},
            "lib": {"wifi-library": 0, "hpc-ssh-keepalive": 0},
        },
        questions=(
            "vpn|vpn disconnects every few minutes in halls",
            "vpn|globalprotect keeps dropping in my room in halls every evening",
            "vpn|vpn unusable at night in my flat in student accommodation",
            "vpn|vpn keeps reconnecting in student halls, is it my laptop?",
            "ssh|ssh to the cluster keeps cutting out from my halls room",
            "ssh|ssh broken pipe every evening, i live in parkside halls",
            "lib|why does ssh drop so much in halls but never on campus",
            "teams|teams calls drop every night in my halls room, fine on campus during the day",
            "teams|online lectures on teams keep buffering in accommodation",
            "teams|my teams video freezes every evening in parkside halls",
            "zoom|zoom keeps freezing in my room in halls, my video is always frozen for others",
            "zoom|zoom disconnects in residences around 8pm every day",
            "rdp|remote desktop to the lab pcs keeps kicking me out from halls",
            "onedrive|onedrive sync keeps stopping when i'm in my halls room",
            "quiz|lost connection during a moodle quiz in my halls bedroom, is the halls "
            "internet bad?",
        ),
    ),
    Need(
        "print-credit",
        family="print-account-locked",
        related={"print-papercut": 1},
        decoys={
            "lock": {"acct-lockout": 0},
            "disabled": {"acct-lockout": 0, "acct-leavers": 0},
            "password": {"acct-password-reset": 0, "acct-lockout": 0},
            "permission": {"acct-activate": 0},
        },
        questions=(
            "lock|printer says my account is locked",
            "lock|papercut says account locked but i can log into everything else??",
            "lock|why is my acount locked when i try to print",
            "lock|account locked message at the printer in the library, what did i do wrong",
            "lock|cant print, says locked, i havent changed anything",
            "lock|locked out of printing",
            "password|print release screen says account locked, do i need to reset my password",
            "password|do i need a new password, the printer keeps saying my account is locked",
            "disabled|printer says my account is disabled, did i get kicked out of uni",
            "disabled|the printer popup says user account disabled",
            "disabled|job won't print and it says account disabled - i'm a current student",
            "permission|user not permitted to print??",
            "permission|says i dont have permission to print in the library",
            "permission|why am i not allowed to print my dissertation",
        ),
    ),
    Need(
        "acct-password-after",
        family="after-password-change",
        related={"acct-lockout": 1},
        decoys={
            "moodle": {"lms-login": 0, "lms-app": 0},
            "eduroam": {"wifi-eduroam-laptop": 1},
            "android": {"wifi-eduroam-android": 1},
            "ios": {"wifi-eduroam-ios": 1},
            "outlook": {"email-phone": 1, "email-outlook-setup": 1},
            "teams": {"teams-start": 0, "teams-chat-missing": 0},
            "onedrive": {"store-onedrive-sync": 1},
        },
        questions=(
            "moodle|cant log in to moodle after changing password",
            "moodle|moodle keeps sending me back to the login page since i changed my password "
            "yesterday",
            "moodle|changed my password and now moodle login just loops",
            "moodle|new password works on email but moodle wont let me in",
            "eduroam|eduroam stopped working on my phone right after i reset my password",
            "eduroam|wifi says incorrect password but i just changed it this morning",
            "eduroam|laptop wont join the wifi after changing my uni password",
            "android|my android wont connect to eduroam anymore, changed password last week",
            "ios|iphone keeps asking for eduroam password over and over since the password change",
            "outlook|outlook on my phone keeps asking for my password since i changed it",
            "outlook|mail app on ipad stopped syncing after new password",
            "outlook|changed my password and now outlook pops up sign in every 5 minutes",
            "outlook|since resetting my password my phone doesnt get emails",
            "teams|teams says credentials needed after password change",
            "teams|teams won't sign in since i updated my uni password",
            "onedrive|onedrive stopped syncing after i changed my password",
        ),
    ),
    Need(
        "vpn-install",
        family="licence-off-campus",
        related={"vpn-travel": 0},
        decoys={
            "matlab": {"sw-matlab": 1},
            "spss": {"sw-spss": 1},
            "arcgis": {"sw-arcgis": 1},
            "ansys": {"lab-specialist": 0, "hw-buy-laptop": 0},
        },
        questions=(
            "matlab|matlab licence error off campus",
            "matlab|matlab says licence checkout failed when im at home",
            "matlab|matlab worked on campus but at home it says cannot connect to license server",
            "matlab|License Manager Error -15 matlab home laptop",
            "matlab|my matlab on the work laptop stops working when i work from home",
            "matlab|why does matlab only work in the uni building",
            "spss|spss says no license available when i'm at home",
            "spss|spss wont open at home, some error about the licence server, works in the office",
            "spss|SPSS 'unable to obtain a license' working from home on my uni laptop",
            "spss|spss license expired?? only happens at home though",
            "arcgis|arcgis on my department laptop cant find its licence when im off campus",
            "arcgis|arcgis license server not found from home",
            "ansys|ansys licence error on my staff laptop when working from home",
            "ansys|ansys cant check out a license from home",
        ),
    ),
    Need(
        "sec-phishing",
        family="mailbox-full-phish",
        related={"sec-compromised": 1},
        decoys={
            "quota": {"email-quota": 0},
            "verify": {"acct-activate": 0},
            "deactivate": {"acct-alumni": 0, "acct-leavers": 0},
            "password": {"acct-password-reset": 0},
            "shared": {"store-share-external": 0},
            "mfa": {"mfa-enrol": 0},
        },
        questions=(
            "quota|got an email saying my mailbox is full and i need to click a link to upgrade",
            "quota|email from it services says my mailbox quota exceeded, click here to increase "
            "storage",
            "quota|is the 'your mailbox has reached its limit' email real? it wants me to log in",
            "quota|mailbox full email asking me to verify my details, legit?",
            "quota|'storage full' email from helpdesk with a weird link",
            "quota|email says mailbox 98% full click to fix, it didnt come from outlook itself",
            "verify|email says i must verify my university account within 24 hours",
            "verify|got a message to re-validate my account, is it from you",
            "deactivate|email warning my student account will be closed today unless i confirm "
            "my password",
            "password|email asking me to confirm my password to keep my email working",
            "password|someone emailed me a password expiry notice with a link, real or fake?",
            "shared|got a shared document email asking me to sign in to view it, seems weird",
            "shared|random onedrive share from someone i dont know asking for my login",
            "mfa|got an email from IT asking me to set up my MFA again through their link",
        ),
    ),
    Need(
        "hpc-login-node",
        family="killed-on-login-node",
        related={"hpc-slurm": 1},
        decoys={
            "ssh": {"hpc-ssh-keepalive": 0, "hpc-ssh-setup": 0},
            "python": {"hpc-slurm": 1},
            "jupyter": {"hpc-ondemand": 2},
            "vscode": {"hpc-ssh-setup": 0, "hpc-jump-host": 0},
            "gpu": {"hpc-gpu": 1},
        },
        questions=(
            "ssh|ssh disconnects whenever i run my python script on hawthorn",
            "ssh|my ssh session gets killed when i start training, the connection just closes",
            "ssh|cluster kicks me out a few minutes after i run my code",
            "ssh|connection to hawthorn closed by remote host every time i run R",
            "ssh|ssh keeps dropping on the cluster only when i run stuff, idle is fine",
            "python|my pyhton script keeps getting killed on the cluster, no error",
            "python|getting 'Killed' on hawthorn, is my code broken?",
            "python|why does my matlab script on hawthorn stop by itself after 10 min",
            "jupyter|jupyter notebook on the cluster dies after a few minutes",
            "jupyter|jupyter kernel keeps dying on hawthorn when i load my data",
            "vscode|vs code remote server on hawthorn keeps getting killed",
            "gpu|my pytorch training on hawthorn gets killed straight away",
        ),
    ),
    Need(
        "hw-room-av",
        family="hybrid-room-audio",
        related={"hw-present-wireless": 1},
        decoys={
            "teams": {"teams-audio": 1, "teams-start": 0},
            "zoom": {"zoom-account": 0, "teams-audio": 1},
            "record": {"zoom-recording": 1},
        },
        questions=(
            "teams|students on teams cant hear me in the lecture theatre",
            "teams|online students can only hear me, not the questions from the room",
            "teams|teams mic not picking up anything in room 2.14, works in my office",
            "teams|hybrid meeting in the boardroom, remote people hear nothing",
            "teams|nobody on teams can hear the room mics",
            "teams|why can remote students hear me on teams at my desk but not when i teach",
            "zoom|zoom cant hear the students in the lecture theatre",
            "zoom|zoom participants say theres no sound from the seminar room",
            "zoom|external examiner on zoom couldnt hear the panel in the teaching room",
            "zoom|people on zoom say i sound tinny and far away when i teach in the big room",
            "record|lecture recording has no sound from the lapel mic",
            "record|panopto recording of my lecture is silent",
        ),
    ),
    Need(
        "store-hdrive",
        family="lab-profile-full",
        related={"lab-saving": 1},
        decoys={
            "login": {"lab-login": 0},
            "matlab": {"sw-matlab": 0},
            "spss": {"sw-spss": 0},
            "rstudio": {"sw-software-center": 0, "hpc-storage": 0},
            "lost": {"lab-saving": 1, "store-restore": 0},
        },
        questions=(
            "login|lab computer takes forever to log in and then my desktop is empty",
            "login|logged into a library pc and all my stuff is gone, blank desktop",
            "login|it takes like 10 minutes to sign in on uni computers now",
            "login|windows on lab pcs says preparing windows then logs me into a blank account",
            "matlab|matlab crashes on startup on every lab computer, works for my friend",
            "matlab|matlab cant save my files on the lab pc",
            "matlab|matlab on the lab computers says preferences cant be saved",
            "spss|spss wont save my output on the library computer",
            "spss|spss freezes when I open it on the computers in the library",
            "rstudio|rstudio wont install packages on the lab machines",
            "lost|my browser bookmarks disappear every time i log into a lab pc",
            "lost|all my settings on the uni pcs reset every time i log in",
        ),
    ),
    Need(
        "mfa-new-phone",
        family="new-phone-mfa",
        related={"mfa-enrol": 1},
        decoys={
            "email": {"email-phone": 0, "email-outlook-setup": 0},
            "password": {"acct-password-reset": 0},
            "lock": {"acct-lockout": 0},
            "moodle": {"lms-login": 0, "lms-app": 0},
            "vpn": {"vpn-mfa": 1},
        },
        questions=(
            "email|switched to a new phone and now outlook wont let me sign in",
            "email|new iphone, cant set up uni email, it keeps wanting a code",
            "email|factory reset my phone and now my uni email wont let me in",
            "email|outlook keeps saying approve sign in request, but that app was on my old phone",
            "password|reset my password 3 times and still cant log in since i got my new phone",
            "password|cant log in to anything since my phone broke, do i need a new password",
            "password|got a new samsung and my uni login stopped working",
            "lock|im locked out of my account after my phone was stolen",
            "lock|lost my phone on holiday and now i'm locked out of everything uni",
            "moodle|cant get into moodle, it asks for a code from an app i dont have anymore",
            "moodle|cracked my screen, got a replacement phone, now moodle wants verification "
            "i can't do",
            "vpn|vpn wont connect since i upgraded my phone",
            "vpn|globalprotect sign in asks for approval on my old phone which i sold",
            "email|traded in my old phone, now teams and email want me to approve something",
        ),
    ),
]

ORDINARY: list[Need] = [
    # --------------------------------------------------------------------------- wifi
    Need(
        "wifi-eduroam-laptop",
        related={"wifi-eduroam-abroad": 1, "onb-students": 1},
        questions=(
            "how do i conect my laptop to eduroam",
            "eduroam username format?? abc123 or full email",
            "eduroam keeps saying wrong password on my macbook but it works for outlook",
            "windows 11 eduroam certificate warning, is it safe to accept",
            "which wifi should i use on campus",
            "uniguest or eduroam for my laptop",
        ),
    ),
    Need(
        "wifi-eduroam-android",
        related={"wifi-eduroam-laptop": 1},
        questions=(
            "android eduroam settings phase 2",
            "samsung wont connect to eduroam, what do i put for CA certificate",
            "eduroam on pixel says domain required",
            "how to get wifi on my android phone at uni",
            "geteduroam app not working on my oneplus",
        ),
    ),
    Need(
        "wifi-eduroam-ios",
        related={"wifi-eduroam-laptop": 1},
        questions=(
            "iphone wont join eduroam, unable to join the network",
            "how do i set up uni wifi on ipad",
            "eduroam trust certificate on iphone, what do i press",
            "my iphone keeps trying an old uni's eduroam profile",
        ),
    ),
    Need(
        "wifi-library",
        related={"wifi-eduroam-laptop": 1},
        questions=(
            "eduroam keeps disconnecting in the library",
            "wifi in the library reading room is awful",
            "where can i plug in an ethernet cable in the library",
            "no signal at the back of the library near the windows",
            "library internet super slow at lunchtime",
            "my laptop keeps switching between wifi points in the main library",
        ),
    ),
    Need(
        "wifi-halls",
        related={"wifi-wired-ports": 1},
        questions=(
            "how do i connect my ps5 in halls",
            "register smart tv on the halls network",
            "can i use my own router in my room",
            "where do i get an ethernet cable for my halls room",
            "my room internet got cut off, i had a wifi extender plugged in",
        ),
    ),
    Need(
        "wifi-guest",
        related={"acct-guest": 1},
        questions=(
            "wifi for a visiting speaker",
            "how do my parents get wifi on open day",
            "conference wifi codes for 80 people next month",
            "guest wifi text code never arrived",
        ),
    ),
    Need(
        "wifi-eduroam-abroad",
        related={"wifi-eduroam-laptop": 1, "vpn-travel": 1},
        questions=(
            "will eduroam work at another uni when im visiting",
            "going to a conference in spain, does my wifi login work there",
            "eduroam works here but not at the university of leeds",
            "is there eduroam at train stations",
        ),
    ),
    Need(
        "wifi-wired-ports",
        related={"wifi-halls": 0},
        questions=(
            "network port in my office isnt working",
            "how do i get a lab instrument on the network",
            "plugged my personal laptop into the office port and only get a registration page",
            "can i put a small switch under my desk",
        ),
    ),
    # --------------------------------------------------------------------------- vpn
    Need(
        "vpn-install",
        related={"vpn-linux": 1, "vpn-split-tunnel": 1},
        questions=(
            "how do i install the vpn",
            "what's the vpn portal address",
            "do i need vpn for moodle",
            "globalprotect download for mac",
            "do i need the vpn to get to my department shared drive from home",
        ),
    ),
    Need(
        "vpn-disconnects",
        related={"vpn-install": 1},
        questions=(
            "vpn disconnects when my laptop goes to sleep",
            "globalprotect kicks me off afer a few hours",
            "vpn stopped staying connected after i installed nordvpn",
            "vpn keeps disconnecting since last night's update, old client?",
            "globalprotect on mac drops when the lid closes",
        ),
    ),
    Need(
        "vpn-split-tunnel",
        related={"vpn-install": 1},
        questions=(
            "internet really slow when vpn is on",
            "netflix stops working when im connected to the uni vpn",
            "copying files from the shared drive over vpn takes forever",
            "does all my traffic go through the uni vpn?",
        ),
    ),
    Need(
        "vpn-linux",
        related={"vpn-install": 1},
        questions=(
            "vpn on ubuntu",
            "openconnect globalprotect command",
            "connected to vpn on linux but cant resolve campus hostnames",
        ),
    ),
    Need(
        "vpn-mfa",
        related={"mfa-enrol": 1},
        questions=(
            "globalprotect authentication failed after i approved the prompt",
            "vpn sign in window closes before i can approve",
            "vpn asks for 6 digit code, which one",
            "vpn mfa never shows up on my phone",
        ),
    ),
    Need(
        "vpn-travel",
        related={"wifi-eduroam-abroad": 1, "vpn-install": 1},
        questions=(
            "going to china for fieldwork, will uni stuff work there",
            "travelling to the us with my work laptop, any rules?",
            "mfa texts dont arrive when im abroad",
            "vpn blocked in the country im visiting",
        ),
    ),
    # --------------------------------------------------------------------------- hpc
    Need(
        "hpc-account",
        related={"hpc-ssh-setup": 1},
        questions=(
            "how do i get access to the hpc",
            "my supervisor says i need a hawthorn account, where do i apply",
            "can an msc student use the cluster for a dissertation",
            "my hpc project expired, how do i extend it",
        ),
    ),
    Need(
        "hpc-ssh-setup",
        related={"hpc-ssh-keys": 2, "hpc-jump-host": 1},
        questions=(
            "how do i ssh into hawthorn",
            "what is the hostname of the cluster",
            "ssh from windows powershell to the cluster",
            "first time connecting, ssh asks about a fingerprint, is it safe to say yes",
            "ssh config file example for the cluster",
        ),
    ),
    Need(
        "hpc-ssh-keys",
        related={"hpc-ssh-setup": 1},
        questions=(
            "permission denied (publickey) on hawthorn",
            "how to generate ssh key for hpc",
            "new laptop, my ssh key doesnt work anymore",
            "where do i upload my public key",
            "can i use the same ssh key on two computers",
        ),
    ),
    Need(
        "hpc-jump-host",
        related={"vpn-install": 2, "hpc-ssh-setup": 1},
        questions=(
            "how do i ssh to the cluster from home without vpn",
            "ssh connection timed out from home but works on campus",
            "proxyjump settings for hawthorn",
            "what is the bastion host",
            "scp from home to the cluster through the jump host",
        ),
    ),
    Need(
        "hpc-ssh-keepalive",
        related={"hpc-ondemand": 1},
        questions=(
            "ssh session dies when i leave it idle",
            "client_loop: send disconnect: broken pipe after lunch",
            "how to keep ssh alive while im in a meeting",
            "putty session times out after half an hour of doing nothing",
            "how do i keep my program running if ssh disconnects",
        ),
    ),
    Need(
        "hpc-2fa",
        related={"mfa-new-phone": 1},
        questions=(
            "cluster asks for verification code, where do i get it",
            "hawthorn totp codes always rejected",
            "lost my phone with the cluster authenticator on it",
            "does vs code have to ask for the 2fa code every time",
        ),
    ),
    Need(
        "hpc-login-node",
        related={"hpc-slurm": 1},
        questions=(
            "can i run python on the login node",
            "what are the rules for the hawthorn login nodes",
            "how do i get an interactive session on a compute node",
        ),
    ),
    Need(
        "hpc-slurm",
        related={"hpc-login-node": 1},
        questions=(
            "how do i sumbit a job on hawthorn",
            "my job has been pending for 2 days, reason Priority",
            "slurm job OUT_OF_MEMORY what do i do",
            "how to request more time for a batch job",
            "where does the output of my sbatch job go",
        ),
    ),
    Need(
        "hpc-gpu",
        related={"hpc-slurm": 2},
        questions=(
            "how many gpus can i use on hawthorn",
            "which cuda version is on the cluster",
            "pytorch doesnt see the gpu on hawthorn",
            "how do i check my gpu hours",
        ),
    ),
    Need(
        "hpc-storage",
        related={"store-rds": 1},
        questions=(
            "disk quota exceeded on hawthorn",
            "conda cant install packages on the cluster, no space left",
            "my files in scratch disappeared",
            "is my cluster home directory backed up",
        ),
    ),
    Need(
        "hpc-ondemand",
        related={"hpc-login-node": 1},
        questions=(
            "can i use jupyter on the cluster",
            "rstudio on hawthorn",
            "how do i use my conda env in jupyter on ondemand",
            "is there a gui desktop on the hpc",
        ),
    ),
    Need(
        "hpc-file-transfer",
        related={"hpc-jump-host": 1},
        questions=(
            "how to copy files to the cluster",
            "winscp settings for hawthorn",
            "transfer 2tb of data from another university to the cluster",
            "rsync resume interrupted copy to hpc",
        ),
    ),
    # --------------------------------------------------------------------------- printing
    Need(
        "print-papercut",
        related={"print-credit": 1},
        questions=(
            "how does printing work here",
            "how much does color printing cost",
            "how do i check my print balance",
            "can i get a refund for a print job that came out blank",
        ),
    ),
    Need(
        "print-credit",
        related={"print-papercut": 1},
        questions=(
            "how do i top up printing",
            "can i pay for printing with cash",
            "where's my free printing credit",
            "ran out of print credit",
        ),
    ),
    Need(
        "print-laptop",
        related={"print-papercut": 1},
        questions=(
            "how do i print from my own laptop",
            "mobility print shows printer offline",
            "print from iphone at uni",
            "web print which file types",
        ),
    ),
    Need(
        "print-release",
        related={"onb-card": 1},
        questions=(
            "sent my job to print but nothing comes out",
            "printer doesnt recognise my new card",
            "my print job isnt showing at the printer",
            "print job is listed but never prints",
        ),
    ),
    Need(
        "print-3d",
        related={},
        questions=(
            "can i 3d print my project",
            "makerspace induction booking",
            "how much does 3d printing cost",
        ),
    ),
    Need(
        "print-poster",
        related={"print-papercut": 1},
        questions=(
            "where can i print an a0 poster for a conference",
            "poster printing how long does it take",
            "can the library printers do A3",
        ),
    ),
    Need(
        "print-scan",
        related={"store-onedrive": 1},
        questions=(
            "how do i scan to my email",
            "scanned document never arrived in my inbox",
            "can i scan to usb",
        ),
    ),
    Need(
        "print-staff",
        related={"print-papercut": 1},
        questions=(
            "new staff, printer says no shared accounts available",
            "which account to charge for printing on my grant",
            "how to print exam papers securely",
        ),
    ),
]

ORDINARY += [
    # --------------------------------------------------------------------------- accounts
    Need(
        "acct-password-reset",
        related={"acct-lockout": 1},
        questions=(
            "forgot my pasword",
            "how do i reset my uni password",
            "password reset code goes to an old phone number",
            "i never set up recovery info and forgot my password",
            "password rules? it keeps rejecting my new one",
        ),
    ),
    Need(
        "acct-password-after",
        related={"acct-password-reset": 1},
        questions=(
            "what do i need to update after changing my password",
            "changed password, do i need to re-enter it on my phone and laptop",
        ),
    ),
    Need(
        "acct-lockout",
        related={"acct-password-reset": 1, "acct-password-after": 1},
        questions=(
            "my account is locked",
            "too many attempts, locked out",
            "account keeps getting locked every morning",
            "how long does a locked account stay locked",
            "locked out of my uni account, can you unlock it",
        ),
    ),
    Need(
        "acct-activate",
        related={"onb-students": 2},
        questions=(
            "how do i activate my student account",
            "activation link expired",
            "activation page says record not found",
            "when do i get my uni email address",
        ),
    ),
    Need(
        "acct-guest",
        related={"wifi-guest": 1},
        questions=(
            "visiting researcher needs an account for 6 months",
            "how to give an external examiner access to moodle",
            "extend a sponsored account",
        ),
    ),
    Need(
        "acct-alumni",
        related={"store-onedrive": 1},
        decoys={"office": {"sw-office": 2}},
        questions=(
            "what happens to my email when i graduate",
            "how long do i keep my onedrive after finishing my degree",
            "office|does office stop working when i leave",
            "can i get an alumni email",
        ),
    ),
    Need(
        "acct-leavers",
        related={"email-forwarding": 1},
        questions=(
            "my postdoc contract ends in june, what happens to my account",
            "can i keep my staff email after my contract ends",
            "my contract was extended but my account got disabled",
        ),
    ),
    Need(
        "acct-name-change",
        related={},
        questions=(
            "how do i change my name on teams",
            "can i change my username",
            "changed my surname, can my email address change too",
            "preferred name not showing in moodle",
        ),
    ),
    # --------------------------------------------------------------------------- security
    Need(
        "mfa-enrol",
        related={"mfa-token": 1},
        questions=(
            "how do i set up mfa",
            "authenticator app setup for uni account",
            "do i have to use microsoft authenticator",
            "why do i keep getting asked for mfa",
            "how often will it ask me to approve sign-ins",
        ),
    ),
    Need(
        "mfa-new-phone",
        related={"mfa-enrol": 1},
        questions=(
            "how do i move microsoft authenticator to a new phone",
            "getting a new phone next week, what do i need to do for mfa",
            "lost my phone, how do i reset my mfa",
        ),
    ),
    Need(
        "mfa-token",
        related={"mfa-enrol": 1},
        questions=(
            "i dont have a smartphone, how do i do mfa",
            "can i get a hardware token",
            "no phones allowed in my lab, how do i sign in",
            "mfa by landline call",
        ),
    ),
    Need(
        "mfa-unexpected",
        related={"sec-compromised": 2},
        questions=(
            "random authenticator requests i didnt make",
            "keep getting approve sign in notifications at 3am",
            "accidentally approved an mfa request i didnt start",
            "got an mfa prompt from another country",
        ),
    ),
    Need(
        "sec-phishing",
        related={"sec-compromised": 1},
        questions=(
            "how do i report a phishing email",
            "i clicked a link in a dodgy email",
            "is this email from the vice chancellor real, asking for gift cards",
            "what does the 'this message came from outside the university' banner mean",
        ),
    ),
    Need(
        "sec-compromised",
        related={"sec-phishing": 1, "mfa-unexpected": 1},
        decoys={"rule": {"email-forwarding": 1}},
        questions=(
            "i think my email got hacked",
            "people are getting spam from my uni account",
            "rule|there's a rule in my outlook forwarding mail that i didnt make",
            "entered my password on a fake login page, what now",
        ),
    ),
    Need(
        "sec-antivirus",
        related={},
        questions=(
            "which antivirus should i use on my laptop",
            "can i install norton on my work laptop",
            "defender flagged a file from my supervisor",
            "avast breaks the uni login page",
        ),
    ),
    Need(
        "sec-encryption",
        related={"store-backup": 1},
        questions=(
            "do i need to encrypt my laptop for research data",
            "bitlocker recovery key asked after bios update",
            "where do i get an encrypted usb stick",
            "filevault recovery key lost",
        ),
    ),
    # --------------------------------------------------------------------------- email
    Need(
        "email-outlook-setup",
        related={"sw-office": 1},
        questions=(
            "how do i add my uni email to outlook",
            "apple mail exchange setup for uni email",
            "imap settings for uni email",
            "outlook keeps asking for password on my laptop",
            "best way to read uni email",
        ),
    ),
    Need(
        "email-phone",
        related={"email-outlook-setup": 1},
        questions=(
            "uni email on iphone",
            "gmail app with my uni account",
            "why does outlook want to manage my phone, screen lock policy??",
            "emails stopped arriving on my phone but computer is fine",
        ),
    ),
    Need(
        "email-quota",
        related={"email-junk": 1},
        questions=(
            "outlook says my mailbox is almost full",
            "cant send emails, mailbox full",
            "how to see what's taking up space in outlook",
            "online archive for staff mailbox",
        ),
    ),
    Need(
        "email-shared-mailbox",
        related={},
        questions=(
            "how do i get access to the department shared mailbox",
            "send as the shared address",
            "password for the admissions mailbox",
            "add shared mailbox in outlook web",
        ),
    ),
    Need(
        "email-forwarding",
        related={},
        questions=(
            "how do i set an out of ofice",
            "forward uni email to gmail",
            "auto reply not going to external people",
            "my forwarding rule to my personal email doesnt work",
        ),
    ),
    Need(
        "email-calendar-booking",
        related={},
        questions=(
            "how do i book a meeting room in outlook",
            "share my calendar with my pa",
            "colleagues can only see busy on my calendar",
            "how to book a teaching room",
            "add an external calendar ics to outlook",
        ),
    ),
    Need(
        "email-junk",
        related={"email-quota": 1},
        questions=(
            "not recieving an email from my supervisor",
            "where is the quarantine",
            "email with zip attachment never arrived",
            "important emails going to junk",
        ),
    ),
    Need(
        "email-lists",
        related={},
        questions=(
            "how do i email all students on my course",
            "can i unsubscribe from my year group mailing list",
            "create a mailing list for my research group",
        ),
    ),
    # --------------------------------------------------------------------------- teams/zoom
    Need(
        "teams-start",
        related={},
        questions=(
            "how do i get teams",
            "cant see my module team",
            "how do i create a team for my research group",
            "teams shows my personal account instead of uni",
        ),
    ),
    Need(
        "teams-audio",
        related={"hw-room-av": 0},
        questions=(
            "people cant hear me on teams",
            "teams is using the wrong microphone",
            "echo on teams calls",
            "no sound in teams from my headset",
            "teams camera not working",
        ),
    ),
    Need(
        "zoom-account",
        related={},
        questions=(
            "zoom 40 minute limit but i have a uni account",
            "how do i log into zoom with sso",
            "zoom says confirm switch to university account",
            "is zoom licensed for students",
        ),
    ),
    Need(
        "zoom-recording",
        related={"zoom-account": 1},
        questions=(
            "how do i record a teams meeting",
            "where are my zoom cloud recordings",
            "lecture recording not on moodle",
            "can i trim a panopto recording",
        ),
    ),
    Need(
        "teams-guests",
        related={"store-share-external": 1},
        questions=(
            "how do i add an external person to my team",
            "guest cant access our team",
            "can someone without a uni account join a teams meeting",
        ),
    ),
    Need(
        "teams-chat-missing",
        related={},
        questions=(
            "teams notifications not working",
            "how do i clear teams cache",
            "teams not showing new messages",
            "file in teams says locked for editing",
        ),
    ),
]

ORDINARY += [
    # --------------------------------------------------------------------------- storage
    Need(
        "store-onedrive",
        related={"store-onedrive-sync": 1},
        questions=(
            "how much onedrive storage do i get",
            "should i save my work in onedrive",
            "onedrive taking up all my laptop space",
            "how to back up my desktop to onedrive",
        ),
    ),
    Need(
        "store-onedrive-sync",
        related={"store-onedrive": 1},
        questions=(
            "onedrive red cross wont sync",
            "onedrive sync pending forever",
            "onedrive making duplicate copies of files",
            "file name not allowed in onedrive",
        ),
    ),
    Need(
        "store-hdrive",
        related={"lab-saving": 1},
        questions=(
            "how much space is on my h drive",
            "how do i check my H: drive usage",
            "there is not enough space on the disk error on a library pc",
            "reset my lab profile",
        ),
    ),
    Need(
        "store-backup",
        related={"store-onedrive": 2, "store-restore": 1},
        questions=(
            "how should i back up my laptop",
            "time machine or onedrive",
            "my laptop died, is there a backup of my files somewhere",
        ),
    ),
    Need(
        "store-rds",
        related={"hpc-storage": 1},
        questions=(
            "where do i store research data for my project",
            "how do i map the rds drive",
            "need more than 5tb of project storage",
        ),
    ),
    Need(
        "store-restore",
        related={"store-onedrive": 1},
        questions=(
            "accidentally deleted a file in onedrive",
            "how do i get an older version of a word document",
            "restore previous version from the shared drive",
            "deleted a folder in our teams site",
            "rds restore deleted file",
        ),
    ),
    Need(
        "store-share-external",
        related={"teams-guests": 1},
        questions=(
            "share a onedrive folder with someone outside the university",
            "anyone with the link is greyed out",
            "external collaborator cant open my shared file",
            "how to share a big dataset with another uni",
        ),
    ),
    # --------------------------------------------------------------------------- software
    Need(
        "sw-matlab",
        related={"sw-software-center": 1},
        questions=(
            "how do i get matlab",
            "matlab campus licence install",
            "matlab online for students?",
            "matlab says no licence found after i made a mathworks account with my gmail",
        ),
    ),
    Need(
        "sw-spss",
        related={"lab-remote": 1},
        questions=(
            "spss licence expried",
            "how do i install spss on my mac",
            "spss authorization code",
            "spss on m1 mac doesnt work",
        ),
    ),
    Need(
        "sw-office",
        related={"acct-alumni": 0},
        questions=(
            "how do i get microsoft office for free",
            "word says unlicensed product",
            "office product deactivated",
            "how many computers can i install office on",
        ),
    ),
    Need(
        "sw-arcgis",
        related={"lab-remote": 1},
        questions=(
            "arcgis on mac",
            "how to get an arcgis pro licence",
            "arcgis organization url",
        ),
    ),
    Need(
        "sw-nvivo",
        related={},
        questions=(
            "how to get nvivo",
            "nvivo project corrupted on onedrive",
            "nvivo mac and windows project",
        ),
    ),
    Need(
        "sw-adobe",
        related={"lab-specialist": 1},
        questions=(
            "can students get photoshop",
            "adobe says my trial expired",
            "acrobat pro for staff",
        ),
    ),
    Need(
        "sw-software-center",
        related={"sw-admin-rights": 1},
        questions=(
            "how do i install software on my work laptop",
            "software center install failed",
            "request new software to be added",
        ),
    ),
    Need(
        "sw-admin-rights",
        related={"sw-software-center": 1},
        questions=(
            "i need admin rights on my work pc",
            "how to get an admin account",
            "windows asks for an administrator password to update my research tool",
        ),
    ),
    Need(
        "sw-reference",
        related={},
        questions=(
            "endnote or zotero",
            "endnote library corrupted in onedrive",
            "zotero word plugin",
        ),
    ),
    # --------------------------------------------------------------------------- labs
    Need(
        "lab-login",
        related={"acct-activate": 1},
        questions=(
            "cant log in to library computers",
            "trust relationship failed on lab pc",
            "lab pc signed me out and i lost my work",
            "what username do i use on the lab pcs",
        ),
    ),
    Need(
        "lab-find",
        related={},
        questions=(
            "where are free computers right now",
            "which library has computers open 24 hours",
            "is there a lab with spss free now",
        ),
    ),
    Need(
        "lab-remote",
        related={"lab-find": 1},
        questions=(
            "can i use spss from home",
            "remote desktop for lab pcs",
            "appsanywhere not launching",
            "access uni computers from my mac",
        ),
    ),
    Need(
        "lab-linux",
        related={"hpc-account": 1},
        questions=(
            "linux labs in computer science",
            "ssh into the cs lab machines",
            "my process on the lab machine was killed overnight",
        ),
    ),
    Need(
        "lab-saving",
        related={"store-hdrive": 1},
        questions=(
            "where should i save on lab computers",
            "lost my work on a lab computer",
            "usb stick corrupted and i lost my essay",
        ),
    ),
    Need(
        "lab-specialist",
        related={"lab-find": 1},
        questions=(
            "which lab has solidworks",
            "psychopy lab computers",
            "request software for a specialist lab for next year",
        ),
    ),
    # --------------------------------------------------------------------------- moodle
    Need(
        "lms-login",
        related={"lms-missing-course": 1},
        questions=(
            "moodle login page",
            "moodle page is blank",
            "moodle down tuesday morning",
            "moodle dashboard empty first week",
        ),
    ),
    Need(
        "lms-missing-course",
        related={},
        questions=(
            "module missing on moodle",
            "i changed modules but still see the old one",
            "cant see last years modules on moodle",
            "module leader says the page is up but i cant see it",
        ),
    ),
    Need(
        "lms-submit",
        related={},
        questions=(
            "how to submit assignment on moodle",
            "my assignment says draft not submitted",
            "turnitin similarity report not showing",
            "file too big to upload to moodle",
        ),
    ),
    Need(
        "lms-submit-problem",
        related={"lms-submit": 1},
        questions=(
            "moodle crashed when i tried to submit at 11:58",
            "missed the deadline because my wifi went down",
            "can IT extend my deadline",
        ),
    ),
    Need(
        "lms-quiz",
        related={},
        questions=(
            "moodel quiz timer kept running when i got logged out",
            "can i do a moodle quiz on my phone",
            "online exam froze what do i do",
        ),
    ),
    Need(
        "lms-app",
        related={},
        questions=(
            "moodle app invalid token",
            "moodle app keeps logging me out",
            "moodle app site address",
        ),
    ),
    Need(
        "lms-staff",
        related={},
        questions=(
            "how to copy last years moodle content",
            "add a colleague as teacher on moodle",
            "request a moodle page for a training course",
        ),
    ),
    # --------------------------------------------------------------------------- onboarding
    Need(
        "onb-students",
        related={"acct-activate": 2, "mfa-enrol": 1},
        questions=(
            "im a new student, what do i need to set up",
            "first week it checklist",
            "where can i get help setting up my laptop in freshers week",
            "just started uni, how do i get everything working",
        ),
    ),
    Need(
        "onb-staff",
        related={"acct-activate": 1},
        questions=(
            "starting a new job at the uni next monday, it setup?",
            "new staff member has no laptop",
            "mandatory security training for new staff",
        ),
    ),
    Need(
        "onb-international",
        related={"vpn-travel": 1},
        questions=(
            "can i set up my account before i arrive in the uk",
            "international student, which phone number should i use for mfa",
            "will i be able to use moodle from china",
        ),
    ),
    Need(
        "onb-pgr",
        related={"hpc-account": 1, "store-rds": 1},
        questions=(
            "starting my phd, what it stuff should i sort out",
            "phd desk computer",
            "data management plan template",
        ),
    ),
    Need(
        "onb-card",
        related={"print-release": 1},
        questions=(
            "lost my student card",
            "new card doesnt open the building door",
            "where do i collect my staff card",
        ),
    ),
    # --------------------------------------------------------------------------- hardware/AV
    Need(
        "hw-laptop-loan",
        related={},
        questions=(
            "can i borrow a laptop",
            "laptop locker in the library",
            "late returning a loan laptop",
            "long term laptop loan, i cant afford one",
        ),
    ),
    Need(
        "hw-equipment-loan",
        related={},
        questions=(
            "borrow a camera for my project",
            "media loans booking",
            "can i borrow a vr headset",
        ),
    ),
    Need(
        "hw-room-av",
        related={"hw-present-wireless": 1},
        questions=(
            "how do i turn on the projector in the lecture theatre",
            "where are the lapel mic batteries",
            "lectern pc touch panel not responding",
            "who do i call if the av breaks during a lecture",
        ),
    ),
    Need(
        "hw-present-wireless",
        related={"hw-room-av": 1},
        questions=(
            "how do i present from my laptop",
            "solstice code",
            "no sound through hdmi from my laptop",
            "macbook wont show on the projector",
        ),
    ),
    Need(
        "hw-staff-repair",
        related={},
        questions=(
            "my work laptop screen is cracked",
            "university laptop replacement",
            "where is the asset tag",
        ),
    ),
    Need(
        "hw-it-bar",
        related={},
        questions=(
            "can someone look at my laptop its really slow",
            "my personal laptop wont turn on",
            "is there somewhere on campus that fixes laptops",
        ),
    ),
    Need(
        "hw-buy-laptop",
        related={},
        questions=(
            "what laptop should i buy for uni",
            "is a chromebook ok for university",
            "mac or windows for engineering",
        ),
    ),
    Need(
        "hw-hotdesk",
        related={},
        questions=(
            "monitors at the hot desk dont work",
            "docking station not detecting my laptop",
            "how to book a hot desk",
        ),
    ),
    # --------------------------------------------------------------------------- service desk
    Need(
        "gen-contact",
        related={},
        questions=(
            "it helpdesk phone number",
            "how do i log a ticket",
            "is the it desk open on weekends",
        ),
    ),
    Need(
        "gen-status",
        related={},
        questions=(
            "is moodle down",
            "is there an outage right now",
            "when is the cluster maintenance",
        ),
    ),
    Need(
        "gen-accessibility",
        related={},
        questions=(
            "text to speech software",
            "dragon dictation at uni",
            "assistive technology room",
        ),
    ),
    Need(
        "gen-study-rooms",
        related={},
        questions=(
            "book a group study room",
            "my study room booking got cancelled",
            "which library floor is silent",
        ),
    ),
    Need(
        "gen-eresources",
        related={"vpn-install": 1},
        questions=(
            "how do i acess journals from home",
            "publisher wants me to pay for an article",
            "database says campus only",
        ),
    ),
    Need(
        "gen-regulations",
        related={},
        questions=(
            "can i use torrents on uni wifi",
            "got a copyright infringement email",
            "can my friend use my login",
        ),
    ),
]

NEEDS: list[Need] = TRAPS + ORDINARY


# ---------------------------------------------------------------------------------------------
# Building the files
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Question:
    text: str
    need: str  # article id (kb-NNNN)
    family: str
    trap: bool
    judgments: dict[str, int]  # article id -> grade


def _clean(text: str) -> str:
    return " ".join(text.split())


def _article_ids() -> dict[str, str]:
    slugs = [slug for slug, _, _, _ in ARTICLES]
    duplicates = [slug for slug, count in Counter(slugs).items() if count > 1]
    if duplicates:
        raise ValueError(f"duplicate article slugs: {duplicates}")
    return {slug: f"kb-{number:04d}" for number, slug in enumerate(slugs, start=1)}


def _questions(ids: dict[str, str]) -> list[_Question]:
    category = {slug: cat for slug, cat, _, _ in ARTICLES}
    questions: list[_Question] = []
    for need in NEEDS:
        for raw in need.questions:
            tag, _, text = raw.rpartition("|") if "|" in raw else ("", "", raw)
            grades = dict(need.related)
            if tag:
                if not need.decoys or tag not in need.decoys:
                    raise ValueError(f"question {raw!r} uses unknown decoy tag {tag!r}")
                grades.update(need.decoys[tag])
            if need.need in grades:
                raise ValueError(f"{need.need} is both the answer and a judged other for {raw!r}")
            grades[need.need] = 3
            questions.append(
                _Question(
                    text=_clean(text),
                    need=ids[need.need],
                    family=need.family or category[need.need],
                    trap=need.trap,
                    judgments={ids[slug]: grade for slug, grade in grades.items()},
                )
            )
    texts = [q.text.lower() for q in questions]
    duplicates = [text for text, count in Counter(texts).items() if count > 1]
    if duplicates:
        raise ValueError(f"duplicate questions: {duplicates}")
    return questions


def _split(questions: dict[str, _Question]) -> dict[str, str]:
    """Assign each question id to train/dev/test, stratified by family; Sarah's goes to test."""
    by_family: dict[str, list[str]] = defaultdict(list)
    for qid in sorted(questions):
        by_family[questions[qid].family].append(qid)
    assignment: dict[str, str] = {}
    for family in sorted(by_family):
        qids = by_family[family]
        random.Random(f"{SEED}/{family}").shuffle(qids)
        qids.sort(key=lambda qid: questions[qid].text != SARAH)  # stable: Sarah first if here
        n_test = max(1, round(SPLIT_FRACTIONS["test"] * len(qids)))
        n_dev = max(1, round(SPLIT_FRACTIONS["dev"] * len(qids)))
        for position, qid in enumerate(qids):
            if position < n_test:
                assignment[qid] = "test"
            elif position < n_test + n_dev:
                assignment[qid] = "dev"
            else:
                assignment[qid] = "train"
    return assignment


def build() -> dict[str, str]:
    """Build every file of the dataset in memory.

    Returns:
        relative path (inside the dataset folder) -> file content.
    """
    ids = _article_ids()
    files: dict[str, str] = {}
    corpus_lines = []
    for slug, category, title, body in ARTICLES:
        record = {
            "_id": ids[slug],
            "title": _clean(title),
            "text": _clean(body),
            "metadata": {"category": category},
        }
        corpus_lines.append(json.dumps(record, ensure_ascii=False))
    files["corpus.jsonl"] = "\n".join(corpus_lines) + "\n"

    ordered = _questions(ids)
    random.Random(SEED).shuffle(ordered)  # ids carry no hint of need or family
    questions = {f"q-{number:04d}": q for number, q in enumerate(ordered, start=1)}
    files["queries.jsonl"] = "".join(
        json.dumps(
            {
                "_id": qid,
                "text": q.text,
                "metadata": {"need": q.need, "family": q.family, "trap": q.trap},
            },
            ensure_ascii=False,
        )
        + "\n"
        for qid, q in questions.items()
    )

    assignment = _split(questions)
    for split in ("train", "dev", "test"):
        lines = ["query-id\tcorpus-id\tscore"]
        for qid, q in questions.items():
            if assignment[qid] == split:
                lines += [f"{qid}\t{doc}\t{grade}" for doc, grade in sorted(q.judgments.items())]
        files[f"qrels/{split}.tsv"] = "\n".join(lines) + "\n"
    files["subsets/trap.txt"] = "".join(f"{qid}\n" for qid, q in questions.items() if q.trap)
    files["README.md"] = _card(questions, assignment)
    return files


# ---------------------------------------------------------------------------------------------
# The dataset card. Prose lives here; every number in it is computed from the data above.
# ---------------------------------------------------------------------------------------------

_BM25_NOTE = (
    "bm25s 0.3.16, Lucene BM25 (k1=1.5, b=0.75), English stopwords, Snowball English stemmer, "
    "over title + text"
)


def _bm25_rankings(questions: dict[str, _Question]) -> dict[str, list[str]]:
    """BM25's full ranking of the articles for every question (the card's lexical figures)."""
    import bm25s
    import Stemmer

    ids = _article_ids()
    doc_ids = [ids[slug] for slug, _, _, _ in ARTICLES]
    stemmer = Stemmer.Stemmer("english")
    docs = [f"{_clean(title)} {_clean(body)}" for _, _, title, body in ARTICLES]
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    retriever.index(
        bm25s.tokenize(docs, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    qids = list(questions)
    tokens = bm25s.tokenize(
        [questions[qid].text for qid in qids], stopwords="en", stemmer=stemmer, show_progress=False
    )
    results, _ = retriever.retrieve(tokens, k=len(doc_ids), show_progress=False)
    return {
        qid: [doc_ids[int(index)] for index in row] for qid, row in zip(qids, results, strict=True)
    }


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _card(questions: dict[str, _Question], assignment: dict[str, str]) -> str:
    ids = _article_ids()
    title = {ids[slug]: _clean(t) for slug, _, t, _ in ARTICLES}
    categories = Counter(cat for _, cat, _, _ in ARTICLES)
    splits = ("train", "dev", "test")
    rankings = _bm25_rankings(questions)
    ranks = {qid: rankings[qid].index(q.need) + 1 for qid, q in questions.items()}
    traps = [qid for qid, q in questions.items() if q.trap]
    ordinary = [qid for qid, q in questions.items() if not q.trap]
    n_judgments = sum(len(q.judgments) for q in questions.values())
    grade_counts = Counter(g for q in questions.values() for g in q.judgments.values())
    body_words = [len(_clean(body).split()) for _, _, _, body in ARTICLES]
    sarah = next(qid for qid, q in questions.items() if q.text == SARAH)
    sarah_q = questions[sarah]
    per_need = Counter(q.need for q in questions.values())

    def mentions(word: str) -> int:
        return sum(1 for _, _, t, b in ARTICLES if word in f"{t} {b}".lower())

    out: list[str] = []
    add = out.append
    add("# helpdesk: a university IT-helpdesk collection with a trap\n")
    add(
        "The built-in default dataset of rerank-bench: the knowledge base of the IT Service Desk "
        "of a fictional university (Northbridge University), the questions its students and staff "
        "type into the search box, and graded judgments of which articles solve them. It is small "
        "enough to run end to end on a laptop CPU in minutes, and it is built around the claim "
        "that motivates the project: **what solves a user's problem is often not what their "
        "words match**, so a re-ranker has to learn domain relevance from the domain's users.\n"
    )
    add(
        f"*Generated by `scripts/build_helpdesk.py` (do not edit these files by hand; edit the "
        f"script and rebuild). Seed {SEED}.*\n"
    )
    add("## At a glance\n")
    add("| | |\n|---|---|")
    add(
        f"| articles (`corpus.jsonl`) | {len(ARTICLES)} in {len(categories)} categories, "
        f"{min(body_words)}-{max(body_words)} words each (median "
        f"{sorted(body_words)[len(body_words) // 2]}) |"
    )
    add(
        f"| questions (`queries.jsonl`) | {len(questions)}, of which {len(traps)} "
        f"({_pct(len(traps), len(questions))}) are trap questions |"
    )
    add(
        f"| judgments (`qrels/*.tsv`) | {n_judgments}: "
        + ", ".join(f"{grade_counts[g]} at grade {g}" for g in (3, 2, 1, 0))
        + " |"
    )
    add(
        "| splits | "
        + ", ".join(f"{s} {sum(1 for a in assignment.values() if a == s)}" for s in splits)
        + " questions |"
    )
    add("| binary relevance | grade >= 2 (`rel_level: 2`) |")
    add("| language, license | English; Apache-2.0, like the rest of rerank-bench |\n")

    add("## Sarah's question\n")
    add(
        f'`{sarah}` (test split): *"{SARAH}"*. Its words match the SSH articles; what solves it '
        f"is **{title[sarah_q.need]}** ({sarah_q.need}, grade 3), because the Reading Room has a "
        "WiFi dead zone and the fix is to move or plug in. The SSH set-up guide is judged 0 and "
        "the SSH keepalive article 1 (tmux lets you resume, but nothing stops the drops). BM25 "
        "ranks: "
        + "; ".join(
            f"{rank}. {title[doc]} ({sarah_q.judgments.get(doc, 'unjudged')})"
            for rank, doc in enumerate(rankings[sarah][:3], start=1)
        )
        + f"; the WiFi article comes at rank {ranks[sarah]}.\n"
    )

    add("## How it was made\n")
    add(
        "Everything was written for rerank-bench by the project's contributors, with an AI "
        "assistant drafting the text under the project's brief; nothing was copied from a real "
        "university's knowledge base, and no real user data was used. Northbridge University, its "
        "buildings, the Hawthorn cluster, phone numbers and host names under `northbridge.ac.uk` "
        "are invented. The process:\n"
    )
    add(
        "1. **Articles.** We listed the topics a UK university service desk actually documents "
        "(WiFi, VPN, research computing, printing, accounts, MFA and security, email and "
        "calendar, Teams and Zoom, storage, software licences, lab computers, Moodle, "
        "onboarding, hardware loans and room AV, the service desk itself) and wrote several "
        "articles per topic in the register of a real knowledge base: concrete steps, menu "
        "names, limits and exceptions. Articles on neighbouring topics deliberately share "
        f"vocabulary ({mentions('ssh')} articles mention SSH, {mentions('vpn')} the VPN, "
        f"{mentions('library')} the library, {mentions('password')} passwords) so that "
        "lexical matching has to discriminate.\n"
        "2. **Needs.** Each question expresses one hidden *need*: the article that solves it. "
        "For every need we wrote the questions different people would type, in their words "
        "rather than the article's (see the user model).\n"
        "3. **Traps.** For ten needs we wrote questions that describe the symptom in the "
        "vocabulary of the application the user was running when it failed (SSH, VPN, Teams, "
        "MATLAB, the printer) while the cause, and the article that fixes it, lies elsewhere "
        "(the library WiFi, the halls network, the print balance...). The solving articles are "
        "written in the vocabulary of the cause, as real articles are, and do not list the "
        "symptoms users report; only the users' behaviour links the two.\n"
        "4. **Judgments.** Each question gets exactly one grade-3 article (its need), the "
        "need's related articles (grade 1-2), and, for trap questions, the lexically attractive "
        "articles that a judge checked and found unhelpful (grade 0) or only partly helpful "
        "(grade 1).\n"
        "5. **Ids and splits** are assigned by the script with a fixed seed, so the files "
        "rebuild byte for byte (`python scripts/build_helpdesk.py --check`).\n"
    )

    add("## The user model behind the questions\n")
    add(
        "- *Who asks*: first-year and returning students, research students, academic and "
        "professional staff, occasionally a visitor's host. Most are in a hurry, some are "
        "anxious or annoyed (`so annoying`, `!!`, `did i get kicked out of uni`).\n"
        "- *How they type*: mostly lower case, little punctuation, dropped apostrophes "
        "(`cant`, `dont`, `im`), some typos and abbreviations (`uni`, `pc`, `hpc`, `vpn`), "
        "fragments (`solstice code`, `vpn on ubuntu`) next to full sentences, and the exact "
        "error text when they have one (`Permission denied (publickey)`, `Killed`).\n"
        "- *What they describe*: the symptom in front of them, in the vocabulary of the "
        "application they were using (`ssh keeps dropping`), plus incidental context that "
        "matters more than they know (`in the library`, `in my halls room`, `since i changed "
        "my password`, `at home`).\n"
        "- *What they never do*: quote article titles or name the cause. A question that "
        "already names the cause (`eduroam keeps disconnecting in the library`) is an "
        "ordinary question, not a trap.\n"
        "- *Recurrence*: every need is asked several times in different words "
        f"({min(per_need.values())} to {max(per_need.values())} questions per need), so "
        "evidence about a need "
        "accumulates, as it does in a real search log.\n"
    )

    add("## Trap families\n")
    add(
        "A trap question's words match one article while another solves it. Each family is one "
        "need asked through several applications (the tag before `|` in the script picks the "
        "lexically attractive articles that get grade 0 or 1). BM25 top-1 (top-10) is the share "
        "of the family's questions for which BM25 ranks the solving article first (in its "
        "first ten); "
        f"the median rank shows how deep it sits ({_BM25_NOTE}). As in a real search engine, "
        "the solving article is usually on the first page but rarely first: users who scroll "
        "find it, which is what a click log can learn from.\n"
    )
    add(
        "| family | solving article (grade 3) | lexically attractive articles (grade) "
        "| train | dev | test | BM25 top-1 | BM25 top-10 | median BM25 rank | example |"
    )
    add("|---|---|---|---|---|---|---|---|---|---|")
    for need in TRAPS:
        fam = [qid for qid, q in questions.items() if q.family == need.family]
        decoys: dict[str, set[int]] = defaultdict(set)
        for grades in (need.decoys or {}).values():
            for slug, grade in grades.items():
                decoys[title[ids[slug]]].add(grade)
        decoy_text = "; ".join(
            f"{t} ({'/'.join(str(g) for g in sorted(gs))})" for t, gs in sorted(decoys.items())
        )
        counts = [sum(1 for qid in fam if assignment[qid] == s) for s in splits]
        top1 = sum(1 for qid in fam if ranks[qid] == 1)
        top10 = sum(1 for qid in fam if ranks[qid] <= 10)
        median = sorted(ranks[qid] for qid in fam)[len(fam) // 2]
        example = need.questions[0].rpartition("|")[2]
        add(
            f"| {need.family} | {title[ids[need.need]]} | {decoy_text} | "
            + " | ".join(str(c) for c in counts)
            + f" | {_pct(top1, len(fam))} | {_pct(top10, len(fam))} | {median} | `{example}` |"
        )
    add("")
    add(
        "Ordinary questions about the same articles (for example `wifi in the library reading "
        "room is awful`, `ssh session dies when i leave it idle`) sit next to the traps in every "
        "split, so a model must learn the contrast (a dropping SSH session *in the library* "
        "needs the WiFi article; an idle one needs keepalives), not a blanket rule.\n"
    )

    add("## Grading guidelines\n")
    add(
        "| grade | meaning | how it was assigned |\n|---|---|---|\n"
        "| 3 | solves it: following the article fixes the user's problem | exactly one per "
        "question: its need |\n"
        "| 2 | very useful: a large part of the answer, or the right answer for part of the "
        "users who ask this | the need's close companions (e.g. the SSH key guide for an SSH "
        "set-up question) |\n"
        "| 1 | related: on topic, helps a little, or helps only after the real cause is "
        "fixed | neighbouring articles, and lexically attractive articles that partly help |\n"
        "| 0 | judged not relevant | recorded for the lexically attractive wrong articles, the "
        "heart of the trap |\n"
    )
    add(
        "Unjudged articles count as not relevant, the usual convention. For binary metrics "
        '(Recall, MAP, P, MRR) rerank-bench uses `rel_level: 2`, so "very useful or better" '
        "counts; nDCG uses the grades. With only one grade-3 article per question, MRR@10 and "
        "nDCG@10 move together; use both.\n"
    )

    add("## Splits\n")
    add(
        "Split by question, stratified by family (each trap family, and for ordinary questions "
        "each category), about 60/15/25 train/dev/test with a fixed seed; every family appears "
        "in every split, and Sarah's question is in test. Needs recur across splits by design: "
        "a model fine-tuned on train sees the same needs asked in other words, which is the "
        "situation of a deployed search engine learning from its log. Test questions themselves "
        "never appear in train.\n"
    )
    add(
        "| split | questions | trap questions | judgments | grade 3 / 2 / 1 / 0 "
        "| BM25 top-1 (ordinary) | BM25 top-1 (trap) | BM25 recall@20 (all) |"
    )
    add("|---|---|---|---|---|---|---|---|")
    for split in splits:
        qids = [qid for qid in questions if assignment[qid] == split]
        trap_q = [qid for qid in qids if questions[qid].trap]
        ord_q = [qid for qid in qids if not questions[qid].trap]
        grades = Counter(g for qid in qids for g in questions[qid].judgments.values())
        add(
            f"| {split} | {len(qids)} | {len(trap_q)} | {sum(grades.values())} | "
            + " / ".join(str(grades[g]) for g in (3, 2, 1, 0))
            + f" | {_pct(sum(ranks[q] == 1 for q in ord_q), len(ord_q))}"
            + f" | {_pct(sum(ranks[q] == 1 for q in trap_q), len(trap_q))}"
            + f" | {_pct(sum(ranks[q] <= 20 for q in qids), len(qids))} |"
        )
    add("")
    add(
        f"Over all questions, BM25 ranks the solving article first for "
        f"{_pct(sum(ranks[q] == 1 for q in ordinary), len(ordinary))} of ordinary questions and "
        f"{_pct(sum(ranks[q] == 1 for q in traps), len(traps))} of trap questions; the solving "
        f"article is within BM25's top 50 for "
        f"{_pct(sum(ranks[q] <= 50 for q in questions), len(questions))} of all questions and "
        f"within the top 100 for all of them (the corpus has {len(ARTICLES)} articles), so "
        "re-ranking BM25's top 100 can always reach it.\n"
    )

    add("## Categories\n")
    add("| category | articles | questions (ordinary) |\n|---|---|---|")
    for cat in sorted(categories):
        n_q = sum(1 for q in questions.values() if q.family == cat)
        add(f"| {cat} | {categories[cat]} | {n_q} |")
    add("")

    add("## Files\n")
    add(
        "BEIR layout, readable by any BEIR loader and by `rerank_bench.data.helpdesk."
        "HelpdeskSource` (`dataset=helpdesk`, the default):\n\n"
        '- `corpus.jsonl`: `{"_id": "kb-0001", "title", "text", "metadata": '
        '{"category"}}`\n'
        '- `queries.jsonl`: `{"_id": "q-0001", "text", "metadata": {"need": '
        '"kb-...", "family", "trap": true|false}}`. `need` is the grade-3 article, '
        "`family` the trap family or, for ordinary questions, the need's category. Query ids "
        "are shuffled and carry no hint of need or family. Models must not read `metadata`; it "
        "is there for analysis and for simulating interaction logs.\n"
        "- `qrels/{train,dev,test}.tsv`: `query-id<TAB>corpus-id<TAB>score` with a header "
        "line.\n"
        "- `subsets/trap.txt`: the ids of the trap questions, one per line (for reporting "
        "results on them apart, e.g. an experiment spec's `subsets`).\n"
    )

    add("## Intended use\n")
    add(
        "- The default dataset of `rerank-bench run` and `make demo`: BM25, bi-encoders, "
        "pre-trained and fine-tuned re-rankers compared in minutes on a CPU.\n"
        '- The hidden truth for simulated interaction logs (clicks, dwell, "resolved"): a '
        "click model shows lexically attractive articles getting clicks and solving articles "
        "getting long dwell, and label-derivation methods are scored against these grades.\n"
        "- Teaching and testing: a small, readable collection where every judgment can be "
        "inspected and argued with.\n"
    )
    add("## Limitations\n")
    add(
        "- **Synthetic and written by us.** The questions imitate how people type but are not "
        "a sample of a real log; need frequencies reflect our choices, not a real service "
        "desk. Results here show that a method *can* learn domain relevance, not how much it "
        "gains on your domain.\n"
        "- **The traps are designed.** Ten families, each with one intended answer. Real "
        "domains have more, messier and drifting regularities; a model can score well here by "
        "learning our ten patterns.\n"
        "- **Single-author judgments.** Grades were assigned by the authors with the "
        "guidelines above; there is no second assessor and no agreement figure. Grades 1 and 2 "
        "are the most debatable.\n"
        f"- **Small.** {len(questions)} questions split three ways give wide confidence "
        f"intervals on test ({sum(1 for a in assignment.values() if a == 'test')} questions); "
        "use paired significance tests and report them.\n"
        "- **English only, one fictional UK university**; spelling follows British usage in "
        "articles (licence, colour) and is mixed in questions, as it would be.\n"
        "- **Incomplete judgments.** Only plausible articles were judged; an unjudged article "
        "that happens to help counts as not relevant.\n"
    )
    add("## Rebuilding\n")
    add(
        "```bash\npython scripts/build_helpdesk.py            # rewrite the files\n"
        "python scripts/build_helpdesk.py --check    # exit 1 if the files are out of date\n```\n"
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Write (or, with ``--check``, verify) the dataset files.

    Args:
        argv: command-line arguments; ``sys.argv[1:]`` when None.

    Returns:
        The exit status: 0 on success, 1 if ``--check`` found files out of date.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_out = Path(__file__).resolve().parents[1] / "rerank_bench" / "data" / "helpdesk"
    parser.add_argument("--out", type=Path, default=default_out, help="dataset folder")
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [
            rel
            for rel, content in files.items()
            if not (args.out / rel).is_file()
            or (args.out / rel).read_text(encoding="utf-8") != content
        ]
        if stale:
            print(f"out of date in {args.out}: {', '.join(stale)}; run {Path(__file__).name}")
            return 1
        print(f"{args.out}: up to date ({len(files)} files)")
        return 0
    for rel, content in files.items():
        with atomic_write(args.out / rel) as handle:
            handle.write(content)
    total = sum(len(content.encode("utf-8")) for content in files.values())
    print(f"wrote {len(files)} files ({total / 1024:.0f} KiB) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
