//! The demo's creator co-ops: Lens Commons licenses photos, Harbour Sound
//! streams tracks until their listeners own them. The photos and tracks
//! are made here (colour studies and short tones), so the demo needs no
//! files beside it; they go through the same use cases as an upload.

use std::io::Cursor;

use coopkit_domain::{CoopId, PersonId};
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_store::{Currency, CurrencyKind};

use crate::catalogue::{CatalogueSetup, ItemForm, LicenceForm, OrderForm};
use crate::ledger::{Instruction, Payment};
use crate::{App, AppError, Result};

/// A colour study, `width` by `height`: bands of two colours at an angle.
fn study(width: u32, height: u32, seed: u32) -> Result<Vec<u8>> {
    let hue = |n: u32| ((n * 67 + seed * 41) % 200 + 40) as u8;
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let band = (x + y * (seed % 3 + 1)) / (40 + seed * 7 % 50) % 2;
        let light = (y * 120 / height) as u8;
        if band == 0 {
            image::Rgb([hue(1), hue(2).saturating_add(light / 2), hue(3)])
        } else {
            image::Rgb([hue(4).saturating_add(light), hue(5), hue(6)])
        }
    });
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(AppError::because("a demo photo"))?;
    Ok(png.into_inner())
}

/// A tone of `hz` for `tenths` tenths of a second, as 8 kHz 8-bit WAV.
fn tone(hz: u32, tenths: u32) -> Vec<u8> {
    const RATE: u32 = 8_000;
    let samples = RATE * tenths / 10;
    let mut wav = Vec::with_capacity(44 + samples as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + samples).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    for field in [16u32.to_le_bytes(), [1, 0, 1, 0]] {
        wav.extend_from_slice(&field);
    }
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&[1, 0, 8, 0]);
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&samples.to_le_bytes());
    // A triangle wave: integer arithmetic, no tables.
    let period = RATE / hz.max(1);
    wav.extend((0..samples).map(|i| {
        let phase = i % period;
        let rise = phase * 2 * 100 / period;
        (28 + if rise < 100 { rise } else { 200 - rise }) as u8
    }));
    wav
}

impl App {
    /// A money currency; `debit_limit` bounds how far below zero a
    /// member's account may go (`None`: no bound).
    pub(super) async fn demo_currency(
        &self,
        coop: CoopId,
        code: &str,
        name: &str,
        scale: u8,
        debit_limit: Option<u64>,
    ) -> Result<()> {
        self.store
            .create_currency(
                coop,
                &Currency {
                    code: CurrencyCode::parse(code)
                        .map_err(|c| AppError::invalid("currency", c))?,
                    name: name.into(),
                    kind: CurrencyKind::Money,
                    scale,
                    default_debit_limit: debit_limit,
                    default_balance_cap: None,
                    policy: Default::default(),
                },
                None,
                self.clock.now(),
            )
            .await?;
        Ok(())
    }

    /// Credits bought by members, issued to their accounts.
    async fn demo_credits(&self, coop: CoopId, code: &str, to: &[(PersonId, u64)]) -> Result<()> {
        let currency = CurrencyCode::parse(code).map_err(|c| AppError::invalid("currency", c))?;
        let issues = to
            .iter()
            .map(|(person, amount)| {
                Instruction::Pay(Payment {
                    id: TransferId::derived(&format!("demo-credit:{}:{}", coop.0, person.0)),
                    currency: currency.clone(),
                    from: AccountOwner::Coop(CoopAccount::Issuance),
                    to: AccountOwner::Member(*person),
                    amount: *amount,
                    hold: None,
                    linked: false,
                    memo: "Credits bought".into(),
                    cause: "credits".into(),
                })
            })
            .collect();
        for result in self.ledger.submit(coop, issues).await? {
            result.map_err(AppError::because("demo credits"))?;
        }
        Ok(())
    }

    /// Lens Commons's catalogue: photos with their licences, one licence
    /// already bought by Rosa.
    pub(super) async fn demo_lens_catalogue(
        &self,
        founder: PersonId,
        artists: &[PersonId],
        rosa: PersonId,
    ) -> Result<()> {
        let slug = "lens-commons";
        let coop = self.coop(slug).await?;
        let admin = self.person_record(founder).await?;
        self.demo_currency(coop.id, "LCR", "Lens credit", 2, Some(0))
            .await?;
        self.set_up_catalogue(
            &admin,
            slug,
            CatalogueSetup {
                currency: "LCR".into(),
                licence_rate_bp: 5_000,
                play_rate_bp: 7_000,
                goods_rate_bp: 9_000,
                fund_return_cap_bp: 500,
            },
        )
        .await?;
        for (name, price, terms) in [
            (
                "standard",
                1_200,
                "Web and print up to 10,000 copies; credit the photographer.",
            ),
            (
                "extended",
                4_500,
                "Unlimited copies, products for resale, and advertising.",
            ),
        ] {
            let licence = LicenceForm {
                kind: "photo".into(),
                name: name.into(),
                price,
                terms: terms.into(),
            };
            self.set_licence(&admin, slug, licence).await?;
        }
        let photos = [
            (
                "Allotments at first light",
                "garden, morning, city",
                vec![(founder, 10_000)],
            ),
            (
                "Harbour cranes",
                "industry, harbour",
                vec![(founder, 6_000), (artists[0], 4_000)],
            ),
            ("Market day", "people, market, city", vec![(rosa, 10_000)]),
            (
                "Wind over the moor",
                "landscape, weather",
                vec![(artists[1], 10_000)],
            ),
            (
                "Print shop hands",
                "work, people",
                vec![(artists[2], 5_000), (rosa, 5_000)],
            ),
            (
                "Cooperative bakery",
                "work, food",
                vec![(artists[3], 10_000)],
            ),
        ];
        let mut first = None;
        for (n, (title, tags, creators)) in photos.into_iter().enumerate() {
            let lister = self.person_record(creators[0].0).await?;
            let form = ItemForm {
                kind: "photo".into(),
                title: title.into(),
                description: format!("{title}, photographed for Lens Commons."),
                tags: tags.into(),
                file: Some(
                    self.upload(
                        &format!("{}.png", crate::demo::ascii_slug(title)),
                        &study(1200, 800, n as u32)?,
                    )
                    .await?,
                ),
                preview: None,
                creators,
                price: None,
                stock: None,
            };
            let id = self.add_item(&lister, slug, form).await?;
            first.get_or_insert(id);
        }
        self.demo_credits(coop.id, "LCR", &[(rosa, 10_000), (artists[4], 5_000)])
            .await?;
        let buyer = self.person_record(artists[4]).await?;
        let order = OrderForm {
            key: "demo-first-sale".into(),
            item: first.ok_or(AppError::internal("a demo photo"))?,
            licence: "standard".into(),
            quantity: 1,
        };
        self.buy(&buyer, slug, order).await?;
        Ok(())
    }

    /// Harbour Sound: a music co-op whose listeners stream each track
    /// until they own it.
    pub(super) async fn demo_harbour_catalogue(
        &self,
        coop: CoopId,
        musicians: &[PersonId],
        listeners: &[PersonId],
        investor: PersonId,
    ) -> Result<()> {
        let slug = "harbour-sound";
        let admin = self.person_record(musicians[0]).await?;
        self.demo_currency(coop, "HSC", "Listening credit", 3, Some(0))
            .await?;
        self.set_up_catalogue(
            &admin,
            slug,
            CatalogueSetup {
                currency: "HSC".into(),
                licence_rate_bp: 5_000,
                play_rate_bp: 7_000,
                goods_rate_bp: 9_000,
                fund_return_cap_bp: 500,
            },
        )
        .await?;
        let tracks = [
            (
                "Harbour Song",
                "folk, sea",
                220,
                vec![(musicians[0], 10_000)],
            ),
            (
                "Night Ferry",
                "folk, night",
                262,
                vec![(musicians[0], 5_000), (musicians[1], 5_000)],
            ),
            (
                "Rope and Tide",
                "work song, sea",
                330,
                vec![(musicians[1], 10_000)],
            ),
            (
                "Lantern Waltz",
                "waltz, night",
                294,
                vec![(musicians[2], 7_000), (musicians[0], 3_000)],
            ),
        ];
        let mut first = None;
        for (title, tags, hz, creators) in tracks {
            let lister = self.person_record(creators[0].0).await?;
            let form = ItemForm {
                kind: "track".into(),
                title: title.into(),
                description: String::new(),
                tags: tags.into(),
                file: Some(
                    self.upload(
                        &format!("{}.wav", crate::demo::ascii_slug(title)),
                        &tone(hz, 30),
                    )
                    .await?,
                ),
                preview: Some(self.upload("preview.wav", &tone(hz, 8)).await?),
                creators,
                price: None,
                stock: None,
            };
            let id = self.add_item(&lister, slug, form).await?;
            first.get_or_insert(id);
        }
        let mut credits: Vec<(PersonId, u64)> = listeners.iter().map(|l| (*l, 5_000)).collect();
        credits.push((investor, 10_000));
        self.demo_credits(coop, "HSC", &credits).await?;
        // The investor's capital in the fund, on which returns are capped.
        let investor = self.person_record(investor).await?;
        self.pledge(&investor, slug, 5_000, "demo-capital").await?;
        // A listener a few plays into the first track.
        let first = first.ok_or(AppError::internal("a demo track"))?;
        let listener = self.person_record(listeners[1]).await?;
        for n in 0..4 {
            self.play(&listener, slug, first, &format!("demo-play-{n}"))
                .await?;
        }
        Ok(())
    }
}
